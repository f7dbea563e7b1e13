"""Resident register adapters against the reference register process.

Each test that changes the register's state uses its own commune (the register lives for the
whole session).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from integrations.adapters.resident_register.data import (
    Address,
    AddressChangeRequest,
    IdentifyRequest,
    MoveInRequest,
    MoveOutRequest,
    Municipality,
    ResidenceRequest,
)
from integrations.base import PermanentError, TransientError
from integrations.ech import messages
from integrations.ech.ahv import ahv_from_serial
from integrations.ech.schemas import validate_delivery
from integrations.reference import demo_person
from integrations.registry import get
from tests.integrations.conftest import API_KEYS

RECORDED = Path(__file__).parent / "recorded"


def identify_request(person: dict, **changes) -> IdentifyRequest:
    fields = {
        "bfs_number": person["bfs_number"],
        "vn": person["vn"],
        "date_of_birth": date.fromisoformat(person["date_of_birth"]),
        "official_name": person["official_name"],
        "first_name": person["first_name"],
    }
    return IdentifyRequest(**{**fields, **changes})


def move_out_request(person: dict, **changes) -> MoveOutRequest:
    fields = {
        "bfs_number": person["bfs_number"],
        "commune_name": person["address"]["town"],
        "vn": person["vn"],
        "official_name": person["official_name"],
        "first_name": person["first_name"],
        "sex": person["sex"],
        "date_of_birth": date.fromisoformat(person["date_of_birth"]),
        "departure_date": date(2026, 6, 30),
        "goes_to": Municipality("Emmen", 1024),
        "person_id": person["person_id"],
    }
    return MoveOutRequest(**{**fields, **changes})


def move_in_request(person: dict, bfs: int, town: str, **changes) -> MoveInRequest:
    fields = {
        "bfs_number": bfs,
        "commune_name": town,
        "vn": person["vn"],
        "official_name": person["official_name"],
        "first_name": person["first_name"],
        "sex": person["sex"],
        "date_of_birth": date.fromisoformat(person["date_of_birth"]),
        "nationality": person["nationality"],
        "nationality_name": person["nationality_name"],
        "arrival_date": date(2026, 7, 1),
        "address": Address("Gerliswilstrasse", "7", "6020", town),
        "comes_from": Municipality("Kriens", 1059),
    }
    return MoveInRequest(**{**fields, **changes})


def address_change_request(person: dict, **changes) -> AddressChangeRequest:
    fields = {
        "bfs_number": person["bfs_number"],
        "commune_name": person["address"]["town"],
        "vn": person["vn"],
        "official_name": person["official_name"],
        "first_name": person["first_name"],
        "sex": person["sex"],
        "date_of_birth": date.fromisoformat(person["date_of_birth"]),
        "moving_date": date(2026, 8, 1),
        "address": Address(
            "Neuweg", "4b", person["address"]["postcode"], person["address"]["town"]
        ),
        "person_id": person["person_id"],
    }
    return AddressChangeRequest(**{**fields, **changes})


# --- identification -------------------------------------------------------------------------
def test_identify_returns_the_registered_person(registers):
    """The demo person of Kriens is found with names, birth date, nationality and address."""
    expected = demo_person(1059)
    person = get("resident_register.identify").call(
        identify_request(expected, official_name=expected["official_name"].upper()),
        idempotency_key="identify-ok",
    )
    assert person.person_id == expected["person_id"]
    assert person.vn == expected["vn"]
    assert person.first_name == expected["first_name"]
    assert person.date_of_birth.isoformat() == expected["date_of_birth"]
    assert person.nationality == "CH"
    assert person.address.town == "Kriens" and person.address.postcode == "6010"
    assert person.moving_in_date.isoformat() == expected["moving_in_date"]


def test_identify_wrong_birth_date_is_not_found(registers):
    """Identity data that does not match the register is a permanent 'not found'."""
    with pytest.raises(PermanentError) as exc:
        get("resident_register.identify").call(
            identify_request(demo_person(1059), date_of_birth=date(1900, 1, 1)),
            idempotency_key="identify-404",
        )
    assert exc.value.code == "person_not_found"
    assert exc.value.message == "Person im Einwohnerregister nicht gefunden"


def test_identify_unknown_person_in_other_commune_is_not_found(registers):
    """A Kriens resident is not in the Emmen register."""
    with pytest.raises(PermanentError, match="nicht gefunden"):
        get("resident_register.identify").call(
            identify_request(demo_person(1059), bfs_number=1024), idempotency_key="identify-other"
        )


def test_residence_by_person_id(registers):
    """Residence data of a known person id; an unknown id is a permanent 'not found'."""
    expected = demo_person(1031)
    adapter = get("resident_register.residence")
    person = adapter.call(ResidenceRequest(1031, expected["person_id"]), idempotency_key="r1")
    assert person.address.town == "Hochdorf" and person.address.postcode == "6280"
    with pytest.raises(PermanentError) as exc:
        adapter.call(ResidenceRequest(1031, "1031999999"), idempotency_key="r2")
    assert exc.value.code == "person_not_found"


def test_wrong_path_is_not_mistaken_for_not_found(registers, settings):
    """A 404 of a mis-configured base URL is not reported as 'person not found'."""
    settings.INTEGRATIONS = {
        **settings.INTEGRATIONS,
        "resident_register": {
            **settings.INTEGRATIONS["resident_register"],
            "url": registers["resident"] + "/v9",
        },
    }
    with pytest.raises(PermanentError) as exc:
        get("resident_register.identify").call(
            identify_request(demo_person(1059)), idempotency_key="path"
        )
    assert exc.value.code == "no_route"


def test_invalid_ahv_number_is_refused_without_a_call(registers, control):
    calls = control("resident")["calls"]
    with pytest.raises(PermanentError) as exc:
        get("resident_register.identify").call(
            identify_request(demo_person(1059), vn="756.1234.5678.98"), idempotency_key="bad-vn"
        )
    assert exc.value.code == "invalid_vn"
    assert control("resident")["calls"] == calls


# --- failures ---------------------------------------------------------------------------------
def test_http_500_is_transient_then_recovers(registers, control):
    """HTTP 5xx is transient; once the register recovers the same call succeeds."""
    control("resident", "error500", count=1)
    adapter = get("resident_register.identify")
    request = identify_request(demo_person(1059))
    with pytest.raises(TransientError) as exc:
        adapter.call(request, idempotency_key="flaky")
    assert exc.value.code == "http_500"
    assert (
        adapter.call(request, idempotency_key="flaky").person_id == demo_person(1059)["person_id"]
    )


def test_http_429_is_transient(registers, control):
    control("resident", "error429")
    with pytest.raises(TransientError, match="429"):
        get("resident_register.identify").call(
            identify_request(demo_person(1059)), idempotency_key="429"
        )


def test_timeout_is_transient(registers, control):
    """An answer slower than the configured timeout is a transient 'timeout'."""
    control("resident", "timeout")
    started = time.monotonic()
    with pytest.raises(TransientError) as exc:
        get("resident_register.identify").call(
            identify_request(demo_person(1059)), idempotency_key="slow"
        )
    assert exc.value.code == "timeout"
    assert time.monotonic() - started < 1.5


def test_malformed_answer_is_transient(registers, control):
    """A garbled 200 answer is transient (retried with the same idempotency key)."""
    control("resident", "malformed")
    with pytest.raises(TransientError) as exc:
        get("resident_register.identify").call(
            identify_request(demo_person(1059)), idempotency_key="garbled"
        )
    assert exc.value.code == "malformed_response"


def test_malformed_acknowledgement_is_transient(registers, control):
    """A garbled eCH-0058 acknowledgement is transient; the register changed nothing."""
    effects = control("resident")["effects"]
    control("resident", "malformed")
    with pytest.raises(TransientError) as exc:
        get("resident_register.move_out").call(
            move_out_request(demo_person(1001)), idempotency_key="garbled-ack"
        )
    assert exc.value.code == "malformed_response"
    assert control("resident")["effects"] == effects


def test_unreachable_register_is_transient(registers, settings):
    settings.INTEGRATIONS = {
        **settings.INTEGRATIONS,
        "resident_register": {
            **settings.INTEGRATIONS["resident_register"],
            "url": "http://127.0.0.1:9",
        },
    }
    with pytest.raises(TransientError) as exc:
        get("resident_register.identify").call(
            identify_request(demo_person(1059)), idempotency_key="down"
        )
    assert exc.value.code == "network_error"


def test_wrong_api_key_is_permanent(registers, settings):
    settings.INTEGRATIONS = {
        **settings.INTEGRATIONS,
        "resident_register": {**settings.INTEGRATIONS["resident_register"], "api_key": "wrong"},
    }
    with pytest.raises(PermanentError) as exc:
        get("resident_register.identify").call(
            identify_request(demo_person(1059)), idempotency_key="key"
        )
    assert exc.value.code == "unauthorized"


# --- moves (eCH-0020) -------------------------------------------------------------------------
def test_move_out_then_move_in(registers, control):
    """A move from Horw to Ebikon: both registers acknowledge with their message ids, the
    person leaves the one and is found in the other."""
    person = demo_person(1058)
    effects = control("resident")["effects"]
    out = get("resident_register.move_out").call(
        move_out_request(person, goes_to=Municipality("Ebikon", 1054)), idempotency_key="m1-out"
    )
    assert out.message_id.startswith("EWR-1058-")
    assert out.person_id == person["person_id"]
    assert out.reference_message_id.startswith("EP-")
    validate_delivery(messages.parse_xml(out.request_xml))
    arrived = get("resident_register.move_in").call(
        move_in_request(person, 1054, "Ebikon"), idempotency_key="m1-in"
    )
    assert arrived.message_id.startswith("EWR-1054-")
    validate_delivery(messages.parse_xml(arrived.request_xml))
    assert control("resident")["effects"] == effects + 2

    identify = get("resident_register.identify")
    with pytest.raises(PermanentError, match="nicht gefunden"):
        identify.call(identify_request(person), idempotency_key="m1-old")
    found = identify.call(identify_request(person, bfs_number=1054), idempotency_key="m1-new")
    assert found.person_id == arrived.person_id
    assert found.address.street == "Gerliswilstrasse"


def test_foreign_national_moves_in(registers):
    """A foreign national's moveIn (residence permit instead of place of origin) is accepted."""
    newcomer = {
        **demo_person(1040),
        "vn": ahv_from_serial(77),
        "official_name": "Rossi",
        "first_name": "Giulia",
        "nationality": "IT",
        "nationality_name": "Italien",
    }
    result = get("resident_register.move_in").call(
        move_in_request(newcomer, 1040, "Rothenburg", comes_from=None, residence_permit="02"),
        idempotency_key="foreigner",
    )
    assert b"<eCH-0011:residencePermit>02<" in result.request_xml
    found = get("resident_register.identify").call(
        identify_request(newcomer, bfs_number=1040), idempotency_key="foreigner-id"
    )
    assert (found.person_id, found.nationality) == (result.person_id, "IT")


def test_negative_acknowledgements_are_permanent(registers, control):
    """Moving in someone already resident, or out someone unknown, is refused for good."""
    person = demo_person(1051)
    effects = control("resident")["effects"]
    with pytest.raises(PermanentError) as exc:
        get("resident_register.move_in").call(
            move_in_request(person, 1051, "Adligenswil"), idempotency_key="neg-in"
        )
    assert exc.value.code == "already_resident"
    assert exc.value.details["message_id"].startswith("EWR-1051-")
    stranger = {**person, "vn": ahv_from_serial(4711), "official_name": "Niemand"}
    with pytest.raises(PermanentError) as exc:
        get("resident_register.move_out").call(
            move_out_request(stranger, person_id=""), idempotency_key="neg-out"
        )
    assert exc.value.code == "person_not_found"
    assert control("resident")["effects"] == effects


def test_invalid_move_data_is_refused_before_sending(registers, control):
    """Data the XSD rejects never reaches the register."""
    calls = control("resident")["calls"]
    with pytest.raises(PermanentError) as exc:
        get("resident_register.move_in").call(
            move_in_request(demo_person(1052), 1053, "Dierikon", sex="9"), idempotency_key="xsd"
        )
    assert exc.value.code == "invalid_message"
    assert control("resident")["calls"] == calls


# --- move within the commune (eCH-0020 move) ------------------------------------------------------
def test_address_change_updates_the_dwelling_address(registers, control):
    """Root's register acknowledges the move with its message id and keeps the new address."""
    person = demo_person(1065)
    effects = control("resident")["effects"]
    result = get("resident_register.address_change").call(
        address_change_request(person), idempotency_key="addr-1"
    )
    assert result.message_id.startswith("EWR-1065-")
    assert result.person_id == person["person_id"]
    assert result.reference_message_id.startswith("EP-")
    root = messages.parse_xml(result.request_xml)
    validate_delivery(root)
    assert root.find(f"{{{messages.NS_0020}}}move") is not None
    assert control("resident")["effects"] == effects + 1
    now = get("resident_register.residence").call(
        ResidenceRequest(1065, person["person_id"]), idempotency_key="addr-1-check"
    )
    assert now.address == Address("Neuweg", "4b", person["address"]["postcode"], "Root")


def test_address_change_of_unknown_or_departed_person_is_permanent(registers, control):
    """Someone the register never knew → ``person_not_found``; someone who moved away →
    ``not_resident``; neither changes anything."""
    person = demo_person(1066)
    stranger = {**person, "vn": ahv_from_serial(5150), "official_name": "Niemand"}
    adapter = get("resident_register.address_change")
    effects = control("resident")["effects"]
    with pytest.raises(PermanentError) as exc:
        adapter.call(address_change_request(stranger, person_id=""), idempotency_key="addr-x")
    assert exc.value.code == "person_not_found"
    assert exc.value.details["message_id"].startswith("EWR-1066-")
    get("resident_register.move_out").call(move_out_request(person), idempotency_key="addr-out")
    with pytest.raises(PermanentError) as exc:
        adapter.call(address_change_request(person), idempotency_key="addr-gone")
    assert exc.value.code == "not_resident" and "nicht mehr gemeldet" in exc.value.message
    assert control("resident")["effects"] == effects + 1  # the move out only


def test_invalid_move_messages_are_refused(registers, control):
    """Data the XSD rejects never leaves the adapter; an invalid delivery that reaches the
    register is answered with a negative ``invalid_message`` report (HTTP 400)."""
    calls = control("resident")["calls"]
    with pytest.raises(PermanentError) as exc:
        get("resident_register.address_change").call(
            address_change_request(demo_person(1067), sex="3"), idempotency_key="addr-xsd"
        )
    assert exc.value.code == "invalid_message"
    assert control("resident")["calls"] == calls
    header = messages.Header("3-LU-1", "1-1067-1", "EP-raw", datetime(2026, 8, 1, tzinfo=UTC))
    event = messages.Move(
        person=messages.PersonIdentification("Muster", "Anna", "2", date(1990, 1, 1)),
        reporting_municipality=messages.Municipality("Udligenswil", 1067, "LU"),
        moving_date=date(2026, 8, 1),
        address=messages.SwissAddress("Neuweg", "1", "6044", "Udligenswil"),
    )
    broken = messages.build_move(header, event).replace(
        b"<eCH-0020:movingDate>2026-08-01", b"<eCH-0020:movingDate>bald"
    )
    effects = control("resident")["effects"]
    response = httpx.post(
        f"{registers['resident']}/communes/1067/events",
        content=broken,
        headers={"Authorization": f"Bearer {API_KEYS['resident']}"},
        timeout=5,
    )
    report = messages.parse_report(response.content)
    assert (response.status_code, report.positive, report.code) == (400, False, "invalid_message")
    assert control("resident")["effects"] == effects


def test_address_change_failures_are_transient_and_retries_apply_once(registers, control):
    """HTTP 500 is transient and changes nothing; after a timed-out call the register did the
    move, and the retry with the same key gets that answer without a second change."""
    adapter = get("resident_register.address_change")
    request = address_change_request(demo_person(1068))
    effects = control("resident")["effects"]
    control("resident", "error500")
    with pytest.raises(TransientError) as exc:
        adapter.call(request, idempotency_key="addr-flaky")
    assert exc.value.code == "http_500"
    assert control("resident")["effects"] == effects
    control("resident", "timeout", delay=1.3)
    with pytest.raises(TransientError):
        adapter.call(request, idempotency_key="addr-flaky")
    time.sleep(0.6)
    first = adapter.call(request, idempotency_key="addr-flaky")
    again = adapter.call(request, idempotency_key="addr-flaky")
    assert first == again and first.message_id.startswith("EWR-1068-")
    assert control("resident")["effects"] == effects + 1


# --- idempotency ------------------------------------------------------------------------------
def test_same_key_twice_has_one_effect(registers, control):
    """A redelivered move out (same idempotency key) gets the same answer, no second effect."""
    adapter = get("resident_register.move_out")
    request = move_out_request(demo_person(1062))
    effects = control("resident")["effects"]
    first = adapter.call(request, idempotency_key="case-1:step-2")
    second = adapter.call(request, idempotency_key="case-1:step-2")
    assert second == first
    assert control("resident")["effects"] == effects + 1


def test_retry_after_timeout_has_one_effect(registers, control):
    """The register processed the call whose answer timed out; the retry with the same key
    returns that result instead of applying the move a second time."""
    adapter = get("resident_register.move_out")
    request = move_out_request(demo_person(1063))
    effects = control("resident")["effects"]
    control("resident", "timeout", delay=1.3)
    with pytest.raises(TransientError):
        adapter.call(request, idempotency_key="case-2:step-1")
    time.sleep(0.6)  # the register finishes the first call (1.3 s after it started)
    result = adapter.call(request, idempotency_key="case-2:step-1")
    assert result.message_id.startswith("EWR-1063-")
    assert control("resident")["effects"] == effects + 1


# --- the eCH-0020 sample deliveries -----------------------------------------------------------
def post_sample(url: str, bfs: int, name: str) -> tuple[int, messages.Report]:
    response = httpx.post(
        f"{url}/communes/{bfs}/events",
        content=(RECORDED / name).read_bytes(),
        headers={"Authorization": f"Bearer {API_KEYS['resident']}"},
        timeout=5,
    )
    return response.status_code, messages.parse_report(response.content)


@pytest.mark.parametrize("name", ["data_ordipro-moveIn-21.xml", "data_ordipro-moveIn-22.xml"])
def test_register_accepts_sample_move_in(registers, name):
    """The ORDIPRO moveIn samples are accepted with a positive acknowledgement."""
    status, report = post_sample(registers["resident"], 1061, name)
    assert (status, report.positive, report.code) == (200, True, "accepted")
    assert report.data["personId"]
    assert report.reference_message_id == "00000"  # the sample's declarationLocalReference


@pytest.mark.parametrize(
    ("name", "serial"), [("data_ordipro-moveOut-35.xml", 35), ("data_ordipro-moveOut-36.xml", 36)]
)
def test_register_accepts_sample_move_out(registers, name, serial):
    """A moveOut sample is accepted once the person lives in the commune, refused before."""
    xml = (RECORDED / name).read_bytes()
    ns = {"d": messages.NS_0020, "p": messages.NS_0044}
    ident = messages.parse_xml(xml).find(".//d:personIdentification", ns)
    person = {
        "vn": ahv_from_serial(serial),
        "official_name": ident.findtext("p:officialName", namespaces=ns),
        "first_name": ident.findtext("p:firstName", namespaces=ns),
        "sex": ident.findtext("p:sex", namespaces=ns),
        "date_of_birth": ident.findtext("p:dateOfBirth/p:yearMonthDay", namespaces=ns),
        "nationality": "CH",
        "nationality_name": "Schweiz",
    }
    status, report = post_sample(registers["resident"], 1102, name)
    assert (status, report.positive, report.code) == (422, False, "person_not_found")

    get("resident_register.move_in").call(
        move_in_request(person, 1102, "Sempach"), idempotency_key=f"sample-{name}"
    )
    status, report = post_sample(registers["resident"], 1102, name)
    assert (status, report.positive) == (200, True)
    assert report.data["departureDate"] == "2009-04-23"
