"""eCH messages: sample deliveries and our own messages against the vendored XSDs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from integrations.ech import messages
from integrations.ech.ahv import ahv_check_digit, ahv_format, ahv_from_serial, ahv_is_valid
from integrations.ech.schemas import SchemaValidationError, validate_delivery

VENDORED_SAMPLES = Path(__file__).parent / "recorded"
SAMPLE_FILES = sorted(VENDORED_SAMPLES.glob("data_ordipro-*.xml"))

HEADER = messages.Header(
    sender_id="3-LU-1",
    recipient_id="1-1059-1",
    message_id="EP-test-1",
    event_date=datetime(2026, 5, 1, tzinfo=UTC),
)
PERSON = messages.PersonIdentification(
    official_name="Muster",
    first_name="Anna",
    sex="2",
    date_of_birth=date(1990, 4, 1),
    vn="7561234567897",
)
MOVE_IN = messages.MoveIn(
    person=PERSON,
    reporting_municipality=messages.Municipality("Kriens", 1059, "LU"),
    arrival_date=date(2026, 5, 1),
    address=messages.SwissAddress("Schachenstrasse", "12", "6010", "Kriens"),
    comes_from=messages.Municipality("Emmen", 1024, "LU"),
)


def test_sample_files_are_vendored():
    """The four eCH-0020 sample deliveries are in the test data (copied from shared data)."""
    assert [p.name for p in SAMPLE_FILES] == [
        "data_ordipro-moveIn-21.xml",
        "data_ordipro-moveIn-22.xml",
        "data_ordipro-moveOut-35.xml",
        "data_ordipro-moveOut-36.xml",
    ]


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_sample_deliveries_are_valid(path):
    """The ORDIPRO moveIn/moveOut samples validate against eCH-0020 v1 and its imports."""
    validate_delivery(messages.parse_xml(path.read_bytes()))


def test_broken_sample_is_rejected():
    """A sample with its required arrival date removed no longer validates."""
    xml = (VENDORED_SAMPLES / "data_ordipro-moveIn-21.xml").read_bytes()
    broken = xml.replace(b"<eCH-0020:arrivalDate>2009-04-23</eCH-0020:arrivalDate>", b"")
    with pytest.raises(SchemaValidationError) as exc:
        validate_delivery(messages.parse_xml(broken))
    assert exc.value.errors


def test_move_in_message_is_valid_and_complete():
    """build_move_in yields a schema-valid delivery carrying header, person and address."""
    xml = messages.build_move_in(HEADER, MOVE_IN)
    root = messages.parse_xml(xml)
    validate_delivery(root)
    ns = {"d": messages.NS_0020, "h": messages.NS_0058_V1, "p": messages.NS_0044}
    assert (
        root.findtext("d:deliveryHeader/h:declarationLocalReference", namespaces=ns) == "EP-test-1"
    )
    assert root.findtext(".//p:vn", namespaces=ns) == "7561234567897"
    assert b"Schachenstrasse" in xml and b"<eCH-0007:municipalityId>1059<" in xml


def test_move_out_message_is_valid():
    event = messages.MoveOut(
        person=PERSON,
        reporting_municipality=messages.Municipality("Kriens", 1059, "LU"),
        departure_date=date(2026, 5, 1),
    )
    xml = messages.build_move_out(HEADER, event)
    validate_delivery(messages.parse_xml(xml))
    assert b"moveOut" in xml and b"<eCH-0011:unknown>0<" in xml


def test_move_message_is_valid_and_complete():
    """build_move yields a schema-valid eCH-0020 move: person, reporting commune, the new
    dwelling address and the moving date."""
    event = messages.Move(
        person=replace(PERSON, local_person_id="1059000007"),
        reporting_municipality=messages.Municipality("Kriens", 1059, "LU"),
        moving_date=date(2026, 5, 15),
        address=messages.SwissAddress("Hofmatt", "", "6010", "Kriens"),
    )
    xml = messages.build_move(HEADER, event)
    root = messages.parse_xml(xml)
    validate_delivery(root)
    ns = {"d": messages.NS_0020, "p": messages.NS_0044, "a": messages.NS_0010}
    move = root.find("d:move", ns)
    assert move.findtext("d:movePerson/d:personIdentification/p:vn", namespaces=ns) == PERSON.vn
    assert move.findtext(".//p:localPersonId/p:personId", namespaces=ns) == "1059000007"
    dwelling = move.find("d:moveReportingAddress/d:dwellingAddress", ns)
    assert dwelling.findtext("d:address/a:street", namespaces=ns) == "Hofmatt"
    assert dwelling.find("d:address/a:houseNumber", ns) is None
    assert dwelling.findtext("d:movingDate", namespaces=ns) == "2026-05-15"
    assert b"<eCH-0007:municipalityId>1059<" in xml
    with pytest.raises(SchemaValidationError):
        messages.build_move(HEADER, replace(event, address=replace(event.address, postcode="60")))


def test_invalid_data_fails_validation_before_sending():
    """A value outside the schema (sex "3") raises instead of producing a message."""
    with pytest.raises(SchemaValidationError):
        messages.build_move_in(HEADER, replace(MOVE_IN, person=replace(PERSON, sex="3")))


@pytest.mark.parametrize("positive", [True, False])
def test_report_round_trip(positive):
    """An eventReport built by the register reads back the same (and is schema-valid)."""
    report = messages.Report(positive, "EWR-1-1", "EP-x", "code", "Text äöü", {"personId": "42"})
    xml = messages.build_report(report, sender_id="T1-1059-1", recipient_id="3-LU-1")
    assert messages.parse_report(xml) == report


def test_parse_report_rejects_non_reports():
    for body in (b"<eventReport><report><positiv", b"<x/>", b"not xml", b""):
        with pytest.raises(ValueError):
            messages.parse_report(body)


def test_ahv_numbers():
    """EAN-13 check digit: the official example 756.1234.5678.97 is valid, a changed digit not."""
    assert ahv_is_valid("756.1234.5678.97")
    assert not ahv_is_valid("756.1234.5678.98")
    assert not ahv_is_valid("757.1234.5678.97")
    assert ahv_check_digit("756123456789") == 7
    assert ahv_format("7561234567897") == "756.1234.5678.97"
    assert all(ahv_is_valid(ahv_from_serial(n)) for n in (0, 1, 123456789, 999999999))
