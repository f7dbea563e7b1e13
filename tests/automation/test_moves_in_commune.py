"""Zuzug (eCH-0020 moveIn of someone the register does not know yet) and Umzug innerhalb der
Gemeinde (eCH-0020 move) against Kriens's reference register process."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.ch import ssn

from cases.automation.common import adapter_call
from cases.handlers import TransientStepError
from cases.models import Case, CaseStatus, Document, StepStatus
from cases.services import case_submit, offer_for_order, step_complete, step_run
from catalog.models import ServiceVersion, StepDefinition
from catalog.seed import SERVICES
from catalog.seed.loader import seed_catalog
from catalog.services import offers_seed_defaults
from integrations.adapters.resident_register.data import (
    IdentifyRequest,
    MoveOutRequest,
    ResidenceRequest,
)
from integrations.ech.ahv import ahv_from_serial
from integrations.models import AdapterFailure
from integrations.reference.population import generate_resident
from tests.cases.factories import clerk_in
from tests.factories import UserFactory
from tests.identity import api_token, verified_login

from .helpers import run_automated

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ZURICH = {"street": "Langstrasse", "house_number": "40", "postcode": "8004", "town": "Zürich"}
SEX_CHOICE_ERROR = "Bitte wählen Sie eine der angebotenen Optionen: «männlich» (1), «weiblich» (2)."
NEW_HOME = {"street": "Schachenstrasse", "house_number": "12", "postcode": "6010", "town": "Kriens"}


def _newcomer(serial: int) -> dict:
    """Someone from Zürich whom Kriens's register does not know; no sex in the profile."""
    return {
        "person_id": "",
        "bfs_number": 261,
        "vn": ahv_from_serial(serial),
        "official_name": "Bianchi",
        "first_name": "Sofia",
        "sex": "",
        "date_of_birth": "1991-04-12",
        "nationality": "CH",
        "nationality_name": "Schweiz",
        "address": ZURICH,
    }


def _zuzug_data(person: dict, **changes) -> dict:
    return {
        "previous_address": ZURICH,
        "new_address": NEW_HOME,
        "move_date": "2026-12-01",
        "persons": "me",
        "swiss": True,
        "origin_certificate": "send",
        "ahv_number": person["vn"],
        "sex": "2",
        "email": "sofia@example.ch",
        **changes,
    }


def _contract() -> dict:
    return {"rental_contract": SimpleUploadedFile("mietvertrag.pdf", PDF, "application/pdf")}


def _identify(bfs: int, person: dict, key: str):
    return adapter_call(
        "resident_register.identify",
        IdentifyRequest(
            bfs_number=bfs,
            vn=person["vn"],
            date_of_birth=dt.date.fromisoformat(person["date_of_birth"]),
            official_name=person["official_name"],
            first_name=person["first_name"],
        ),
        idempotency_key=key,
    )


# --- Zuzug --------------------------------------------------------------------------------------
def test_zuzug_completes_against_the_register(kriens, in_commune, resident_of, control):
    """The form's official sex goes into the moveIn: once the clerk has checked the documents,
    Kriens's register acknowledges, the invoice follows and the case completes with no
    fallback; the timeline shows the register's message id, the moveIn is kept internally."""
    person = _newcomer(81_000_001)
    resident = resident_of(kriens, person)
    effects = control("resident")["effects"]
    with in_commune(kriens):
        case = case_submit(
            user=resident, service_key="umzug-zuzug", data=_zuzug_data(person), files=_contract()
        )
        check = case.steps.get(key="check")
        step_complete(step_id=check.pk, user=clerk_in("Einwohnerdienste"))
        case = run_automated(case)
        assert case.status == CaseStatus.COMPLETED
        register = case.steps.get(key="register")
        assert register.status == StepStatus.DONE and register.completed_by_id is None
        assert case.steps.get(key="invoice").status == StepStatus.DONE
        assert register.input["applicant"]["sex"] == ""  # the form supplied it
        message_id = register.output["message_id"]
        assert message_id.startswith(f"EWR-{kriens.bfs_number}-")
        event = case.events.get(kind="step_completed", details__step="register")
        assert message_id in event.text and event.visible_to_resident
        xml = case.documents.get(name=f"ech0020-movein-{case.reference}.xml")
        assert not xml.visible_to_resident and xml.kind == Document.Kind.GENERATED
        with xml.file.open("rb") as f:
            assert b"<eCH-0044:sex>2</eCH-0044:sex>" in f.read()
        assert not case.steps.filter(status=StepStatus.MANUAL_FALLBACK).exists()
    assert not AdapterFailure.objects.filter(case_id=case.pk).exists()
    assert control("resident")["effects"] == effects + 1
    found = _identify(kriens.bfs_number, person, "zuzug-check")
    assert found.person_id == register.output["person_id"]
    assert (found.sex, found.address.street) == ("2", "Schachenstrasse")


@pytest.mark.parametrize(
    ("sex", "message"),
    [
        ("3", SEX_CHOICE_ERROR),
        ("weiblich", SEX_CHOICE_ERROR),
        (None, "Bitte wählen Sie eine der Möglichkeiten."),
    ],
)
def test_zuzug_with_invalid_sex_through_the_api_creates_nothing(
    kriens, in_commune, resident_of, commune_client, control, sex, message
):
    """POST /api/cases/ with a sex that is not an eCH-0044 code (or none): 400 with a German
    message at «sex»; no case, no document, nothing sent to the register."""
    person = _newcomer(81_000_002)
    resident = resident_of(kriens, person)
    with in_commune(kriens):
        token = api_token(resident)
    client = commune_client(kriens, HTTP_AUTHORIZATION=f"Token {token}")
    data = _zuzug_data(person, sex=sex)
    if sex is None:
        del data["sex"]
    calls = control("resident")["calls"]
    response = client.post(
        "/api/cases/",
        {"service": "umzug-zuzug", "data": json.dumps(data), **_contract()},
    )
    assert response.status_code == 400, response.content
    errors = response.json()["data"]
    assert errors == {"sex": [message]}
    with in_commune(kriens):
        assert Case.objects.count() == 0 and Document.objects.count() == 0
    assert control("resident")["calls"] == calls


@pytest.mark.parametrize(("profile_sex", "checked"), [("1", "1"), ("", None)])
def test_zuzug_form_takes_the_sex_from_the_profile(
    kriens, resident_of, commune_client, profile_sex, checked
):
    """The order page preselects the profile's official sex (without one nothing is chosen)
    and fills in the AHV number and the contact e-mail from the profile."""
    person = {**_newcomer(81_000_004), "sex": profile_sex}
    resident = resident_of(kriens, person)
    page = commune_client(kriens, user=resident).get("/dienstleistungen/umzug-zuzug/bestellen/")
    assert page.status_code == 200
    form = page.context["form"]
    assert form["sex"].value() == checked
    assert form["email"].value() == resident.email
    assert form["ahv_number"].value() == ssn.format(person["vn"])
    html = page.content.decode()
    assert "Geschlecht (amtlich, gemäss Ausweis)" in html
    male = '<input type="radio" name="sex" value="1" data-field="sex" id="id_sex_0"'
    assert (male + " checked>" in html) is (checked == "1") and male in html
    assert '<input type="radio" name="sex" value="2" data-field="sex" id="id_sex_1">' in html


def test_changed_zuzug_form_is_a_new_version_for_existing_offers(kriens, in_commune, monkeypatch):
    """Communes that offered the Zuzug before the sex field existed order the new version
    right after the seed ran again; earlier cases keep their version."""
    spec = next(s for s in SERVICES if s["key"] == "umzug-zuzug")
    monkeypatch.setitem(spec, "form", [f for f in spec["form"] if f["key"] != "sex"])
    seed_catalog(keys=["umzug-zuzug"])
    person = _newcomer(81_000_003)
    with in_commune(kriens):
        offers_seed_defaults()
        resident = UserFactory()
        verified_login(resident, person)
        old = case_submit(
            user=resident,
            service_key="umzug-zuzug",
            data=_zuzug_data(person, sex="ignored"),
            files=_contract(),
        )
        assert "sex" not in old.data
    monkeypatch.undo()
    assert seed_catalog(keys=["umzug-zuzug"])["updated"] == 1
    with in_commune(kriens):
        _offer, version = offer_for_order(service_key="umzug-zuzug")
        assert version.pk != old.version_id and version.number == old.version.number + 1
        assert any(f["key"] == "sex" for f in version.form_definition["fields"])
        old.refresh_from_db()
        assert old.version.status == ServiceVersion.Status.SUPERSEDED
        new = case_submit(
            user=resident, service_key="umzug-zuzug", data=_zuzug_data(person), files=_contract()
        )
        assert new.version_id == version.pk and new.data["sex"] == "2"


# --- Umzug innerhalb der Gemeinde -----------------------------------------------------------------
def _innerhalb(user):
    return case_submit(
        user=user,
        service_key="umzug-innerhalb",
        data={
            "new_address": NEW_HOME,
            "move_date": "2026-12-01",
            "persons": "me",
            "email": "person@example.ch",
        },
    )


def _residence(bfs: int, person_id: str, key: str):
    return adapter_call(
        "resident_register.residence", ResidenceRequest(bfs, person_id), idempotency_key=key
    )


def test_address_change_completes_automatically(kriens, in_commune, resident_of, control):
    """Identify → eCH-0020 move: acknowledged, the register holds the new address, the case
    completes without a clerk; the timeline shows the message id, the message is kept
    internally."""
    person = generate_resident(kriens.bfs_number, 21)
    resident = resident_of(kriens, person)
    effects = control("resident")["effects"]
    with in_commune(kriens):
        case = run_automated(_innerhalb(resident))
        assert case.status == CaseStatus.COMPLETED
        steps = list(case.steps.order_by("position"))
        assert [s.status for s in steps] == [StepStatus.DONE, StepStatus.DONE]
        assert all(s.completed_by_id is None for s in steps)
        address = steps[1].output
        assert address["message_id"].startswith(f"EWR-{kriens.bfs_number}-")
        assert address["person_id"] == person["person_id"]
        event = case.events.get(kind="step_completed", details__step="address")
        assert address["message_id"] in event.text and "Adressänderung" in event.text
        xml = case.documents.get(name=f"ech0020-move-{case.reference}.xml")
        assert not xml.visible_to_resident
    assert control("resident")["effects"] == effects + 1
    now = _residence(kriens.bfs_number, person["person_id"], "innerhalb-check")
    assert (now.address.street, now.address.house_number) == ("Schachenstrasse", "12")


@pytest.mark.parametrize("how", ["unknown", "moved_away"])
def test_address_change_refused_by_the_register_is_a_clerk_task(
    kriens, in_commune, resident_of, control, how
):
    """The register refuses the move (a person it does not know, identified by a clerk by
    hand; or someone who left the commune meanwhile): no retry, a clerk task with input and
    error, no message kept, and the adapter failure names the register's reason."""
    index = 22 if how == "unknown" else 23
    person = generate_resident(kriens.bfs_number, index)
    if how == "unknown":
        person = {**person, "vn": ahv_from_serial(81_000_010), "official_name": "Niemand"}
    resident = resident_of(kriens, person)
    with in_commune(kriens):
        case = _innerhalb(resident)
        identify = case.steps.get(key="identify")
        step_run(step_id=identify.pk)
        identify.refresh_from_db()
        if how == "unknown":
            assert identify.status == StepStatus.MANUAL_FALLBACK
            step_complete(
                step_id=identify.pk,
                user=clerk_in("Einwohnerdienste"),
                output={"person": {**person, "person_id": ""}},
                comment="anhand des Ausweises",
            )
            code = "person_not_found"
        else:
            adapter_call(
                "resident_register.move_out",
                MoveOutRequest(
                    bfs_number=kriens.bfs_number,
                    commune_name=kriens.name,
                    vn=person["vn"],
                    official_name=person["official_name"],
                    first_name=person["first_name"],
                    sex=person["sex"],
                    date_of_birth=dt.date.fromisoformat(person["date_of_birth"]),
                    departure_date=dt.date(2026, 11, 30),
                ),
                idempotency_key="left-meanwhile",
            )
            code = "not_resident"
        effects = control("resident")["effects"]
        case = run_automated(case)
        step = case.steps.get(key="address")
        assert step.status == StepStatus.MANUAL_FALLBACK
        assert code in step.last_error
        assert step.input["data"]["new_address"] == NEW_HOME
        assert case.status == CaseStatus.IN_PROGRESS
        assert not case.documents.filter(content_type="application/xml").exists()
        assert case.events.filter(kind="step_manual_fallback").exists()
    assert control("resident")["effects"] == effects
    failure = AdapterFailure.objects.get(case_id=case.pk, step_key="address")
    assert failure.adapter_key == "resident_register.address_change"
    assert failure.error_code == code
    assert failure.handed_to_clerk and not failure.transient


def test_address_change_without_complete_identity_sends_nothing(
    kriens, in_commune, resident_of, control
):
    """A person entered by hand without sex cannot be identified in an eCH-0020 move: the step
    goes to a clerk naming what is missing, and nothing reaches the register."""
    person = {
        **generate_resident(kriens.bfs_number, 25),
        "vn": ahv_from_serial(81_000_011),
        "official_name": "Niemand",
    }
    resident = resident_of(kriens, person)
    with in_commune(kriens):
        case = _innerhalb(resident)
        identify = case.steps.get(key="identify")
        step_run(step_id=identify.pk)
        step_complete(
            step_id=identify.pk,
            user=clerk_in("Einwohnerdienste"),
            output={"person": {**person, "sex": ""}},
        )
        calls = control("resident")["calls"]
        case = run_automated(case)
        step = case.steps.get(key="address")
        assert step.status == StepStatus.MANUAL_FALLBACK
        assert "identity_incomplete" in step.last_error and "sex" in step.last_error
    assert control("resident")["calls"] == calls


def test_address_change_5xx_and_timeout_are_retried_with_one_effect(
    kriens, in_commune, resident_of, control
):
    """HTTP 500, then an answer lost to a timeout (the register did the move): both are
    transient and recorded for the canton; the next delivery gets the register's stored answer,
    the address changes once and the case completes."""
    person = generate_resident(kriens.bfs_number, 24)
    resident = resident_of(kriens, person)
    with in_commune(kriens):
        case = _innerhalb(resident)
        step_run(step_id=case.steps.get(key="identify").pk)
        address = case.steps.get(key="address")
        effects = control("resident")["effects"]
        control("resident", "error500")
        with pytest.raises(TransientStepError):
            step_run(step_id=address.pk, final_attempt=False)
        address.refresh_from_db()
        assert address.status == StepStatus.FAILED and "HTTP 500" in address.last_error
        assert control("resident")["effects"] == effects
        control("resident", "timeout", delay=1.3)
        with pytest.raises(TransientStepError):
            step_run(step_id=address.pk, final_attempt=False)
        time.sleep(0.6)  # the register finishes the call whose answer was lost
        assert control("resident")["effects"] == effects + 1
        case = run_automated(case)
        assert case.status == CaseStatus.COMPLETED
        assert case.documents.filter(content_type="application/xml").count() == 1
    assert control("resident")["effects"] == effects + 1
    failures = AdapterFailure.objects.filter(case_id=case.pk).order_by("attempt")
    assert [(f.error_code, f.transient, f.handed_to_clerk) for f in failures] == [
        ("http_500", True, False),
        ("timeout", True, False),
    ]


def test_default_activation_offers_every_move_service_automated(catalogue, kriens, in_commune):
    """The run command's default activation (seed_offers in every commune) offers the three
    «Umzug melden» services at stage automated, and each of their automated steps runs through
    an adapter of the registry."""
    from cases import handlers
    from catalog.offers.models import ServiceOffer
    from integrations.registry import registry

    moves = {"umzug-zuzug", "umzug-wegzug", "umzug-innerhalb"}
    with in_commune(kriens):
        offers_seed_defaults()
        stages = dict(
            ServiceOffer.objects.filter(service__key__in=moves).values_list("service__key", "stage")
        )
    assert stages == dict.fromkeys(moves, "automated")
    keys = set(
        StepDefinition.objects.filter(
            kind=StepDefinition.Kind.AUTOMATED,
            version__service__key__in=moves,
            version__status=ServiceVersion.Status.PUBLISHED,
        ).values_list("adapter_key", flat=True)
    )
    assert {
        "resident_register.move_in",
        "resident_register.move_out",
        "resident_register.address_change",
    } <= keys
    assert keys <= set(handlers.handler_keys()) and keys <= set(registry.keys())
