"""Register reads ask only for the attributes the service version declares it needs
(``ServiceVersion.register_attributes``): the reference register receives exactly those and
answers with those (plus the identifiers it echoes); the step output and the access log hold
only those; an unknown attribute is refused before anything is sent."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest

from cases.automation.residence import identify
from cases.handlers import PermanentStepError, StepCall, accesses_collected
from cases.models import CaseStatus
from cases.services import case_submit
from catalog.models import REGISTER_ATTRIBUTES, ServiceVersion
from integrations.adapters.resident_register.data import (
    PERSON_ATTRIBUTES,
    IdentifyRequest,
    ResidenceRequest,
)
from integrations.base import PermanentError
from integrations.reference import demo_person
from integrations.reference.processes import control
from integrations.registry import get
from tenants.models import RegisterAccess
from tests.integrations.conftest import API_KEYS

from .helpers import run_automated

pytestmark = pytest.mark.django_db
# What the reference register always echoes to identify the person.
ECHOED = {"person_id", "bfs_number", "vn", "official_name", "first_name", "date_of_birth"}


def _reads(url: str) -> list[dict]:
    return control(url)["reads"]


def _identify(person: dict, attributes: tuple[str, ...] = ()) -> IdentifyRequest:
    return IdentifyRequest(
        bfs_number=person["bfs_number"],
        vn=person["vn"],
        date_of_birth=date.fromisoformat(person["date_of_birth"]),
        official_name=person["official_name"],
        first_name=person["first_name"],
        attributes=attributes,
    )


def test_seeded_register_services_declare_their_attributes(catalogue):
    """Every published version with an identification step declares what it reads."""
    versions = ServiceVersion.objects.filter(
        status=ServiceVersion.Status.PUBLISHED, steps__adapter_key="resident_register.identify"
    ).distinct()
    assert versions.count() >= 7
    for version in versions:
        assert version.register_attributes, version.service.key
        assert set(version.register_attributes) <= set(REGISTER_ATTRIBUTES)
    assert set(PERSON_ATTRIBUTES) == set(REGISTER_ATTRIBUTES)


def test_wohnsitz_reads_only_the_declared_attributes(kriens, in_commune, resident_of, registers):
    """The register gets the declared list and answers with it (plus its identifiers); the
    step's person and the access log hold exactly the declared attributes."""
    resident = resident_of(kriens)
    url = registers["resident"]
    before = len(_reads(url))
    with in_commune(kriens):
        case = run_automated(
            case_submit(
                user=resident,
                service_key="wohnsitzbestaetigung",
                data={"purpose": "bank", "delivery": "pdf"},
            )
        )
        assert case.status == CaseStatus.COMPLETED
        declared = list(case.version.register_attributes)
        output = case.steps.get(key="identify").output
    assert "sex" not in declared and "vn" not in declared and "address" in declared
    reads = _reads(url)[before:]
    assert len(reads) == 1 and reads[0]["path"].endswith("/persons/identify")
    assert reads[0]["asked"] == declared
    assert set(reads[0]["answered"]) == ECHOED | set(declared)
    assert "sex" not in reads[0]["answered"] and "nationality" not in reads[0]["answered"]
    assert set(output["person"]) == set(declared)
    assert output["register_person_id"] == demo_person(kriens.bfs_number)["person_id"]
    entry = RegisterAccess.objects.get(case_id=case.pk)
    assert entry.attributes == declared


def test_adapter_sends_the_attributes_and_reads_only_those(registers):
    person = demo_person(1059)
    url = registers["resident"]
    before = len(_reads(url))
    found = get("resident_register.identify").call(
        _identify(person, ("address",)), idempotency_key=f"attrs-{uuid.uuid4()}"
    )
    assert found.address is not None and found.address.town == person["address"]["town"]
    assert (found.sex, found.nationality, found.moving_in_date) == ("", "", None)
    (read,) = _reads(url)[before:]
    assert read["asked"] == ["address"] and set(read["answered"]) == ECHOED | {"address"}

    again = get("resident_register.residence").call(
        ResidenceRequest(1059, person["person_id"], attributes=("sex", "nationality")),
        idempotency_key=f"attrs-{uuid.uuid4()}",
    )
    assert (again.sex, again.nationality) == (person["sex"], person["nationality"])
    assert again.address is None
    (read,) = _reads(url)[before + 1 :]
    assert read["asked"] == ["sex", "nationality"]
    assert set(read["answered"]) == ECHOED | {"sex", "nationality"}


def test_without_attributes_the_whole_person(registers):
    person = demo_person(1059)
    found = get("resident_register.identify").call(
        _identify(person), idempotency_key=f"attrs-{uuid.uuid4()}"
    )
    assert found.sex == person["sex"] and found.address is not None
    assert _reads(registers["resident"])[-1]["asked"] is None


def test_unknown_attribute_is_refused_before_sending(registers):
    url = registers["resident"]
    calls = control(url)["calls"]
    with pytest.raises(PermanentError) as refused:
        get("resident_register.identify").call(
            _identify(demo_person(1059), ("address", "religion")),
            idempotency_key=f"attrs-{uuid.uuid4()}",
        )
    assert refused.value.code == "unknown_attribute"
    assert "Unbekannte Merkmale" in refused.value.message and "religion" in refused.value.message
    with pytest.raises(PermanentError):
        get("resident_register.residence").call(
            ResidenceRequest(1059, "1059000000", attributes=("religion",)),
            idempotency_key=f"attrs-{uuid.uuid4()}",
        )
    assert control(url)["calls"] == calls


def test_register_refuses_unknown_attributes(registers):
    """The register itself refuses a list with an unknown name (HTTP 400, German message)."""
    person = demo_person(1059)
    headers = {"Authorization": f"Bearer {API_KEYS['resident']}"}
    body = {**{k: person[k] for k in ("vn", "date_of_birth", "official_name", "first_name")}}
    answer = httpx.post(
        f"{registers['resident']}/communes/1059/persons/identify",
        json={**body, "attributes": ["address", "religion"]},
        headers=headers,
    )
    assert answer.status_code == 400 and answer.json()["error"] == "unknown_attribute"
    assert "Unbekannte Merkmale: religion" in answer.json()["message"]
    answer = httpx.get(
        f"{registers['resident']}/communes/1059/persons/{person['person_id']}",
        params={"attributes": "religion"},
        headers=headers,
    )
    assert answer.status_code == 400 and answer.json()["error"] == "unknown_attribute"


def test_step_with_unknown_attribute_sends_nothing(kriens, in_commune, registers):
    """The identification handler passes the version's attributes; an unknown one becomes a
    clerk task (permanent), and the register never hears of it."""
    person = demo_person(kriens.bfs_number)
    url = registers["resident"]
    calls = control(url)["calls"]
    call = StepCall(
        case_id=uuid.uuid4(),
        reference="T-1",
        service_key="wohnsitzbestaetigung",
        step_key="identify",
        adapter_key="resident_register.identify",
        idempotency_key=f"attrs-{uuid.uuid4()}",
        data={},
        applicant={
            "ahv_number": person["vn"],
            "date_of_birth": person["date_of_birth"],
            "last_name": person["official_name"],
            "first_name": person["first_name"],
        },
        register_attributes=("address", "konfession"),
    )
    raises = pytest.raises(PermanentStepError)
    with in_commune(kriens), accesses_collected() as accesses, raises as refused:
        identify(call)
    assert refused.value.code == "unknown_attribute" and "konfession" in refused.value.message
    assert control(url)["calls"] == calls
    assert accesses == []  # nothing was asked of the register: nothing to log
