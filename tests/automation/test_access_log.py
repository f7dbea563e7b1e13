"""The register access log: every read or write of an automated step at a register, and every
clerk's view of a case showing identity numbers, is recorded (public, by value) with purpose,
legal basis, trigger, attributes, time and message id; the resident sees their own entries."""

from __future__ import annotations

import pytest
from guardian.shortcuts import assign_perm

from accounts.models import User
from cases.models import CaseStatus
from cases.services import case_submit
from catalog.models import adapter_reads_register
from integrations.reference import demo_person
from integrations.reference.population import generate_resident
from tenants.context import in_public
from tenants.models import RegisterAccess
from tests.cases.factories import clerk_in
from tests.conftest import _carry_login

from .helpers import run_automated

pytestmark = pytest.mark.django_db
NEW_HOME = {"street": "Schachenstrasse", "house_number": "12", "postcode": "6010", "town": "Kriens"}


def _wohnsitz(user):
    return case_submit(
        user=user, service_key="wohnsitzbestaetigung", data={"purpose": "bank", "delivery": "pdf"}
    )


def test_every_automated_register_step_is_logged(kriens, in_commune, resident_of):
    """Wohnsitzbestätigung: one entry per register step (the identification, a read), with the
    case, service, legal basis, step, attributes and the resident's subject; no values."""
    resident = resident_of(kriens)
    with in_commune(kriens):
        case = run_automated(_wohnsitz(resident))
        assert case.status == CaseStatus.COMPLETED
        register_steps = [s for s in case.steps.all() if adapter_reads_register(s.adapter_key)]
    entries = list(RegisterAccess.objects.filter(case_id=case.pk))
    assert len(entries) == len(register_steps) == 1
    entry = entries[0]
    assert (entry.commune_id, entry.case_reference) == (kriens.pk, case.reference)
    assert entry.service_key == "wohnsitzbestaetigung" and entry.kind == "read"
    assert entry.register == "resident_register.identify"
    assert entry.legal_basis == case.version.legal_basis and entry.legal_basis
    assert register_steps[0].key in entry.triggered_by
    assert {"official_name", "date_of_birth", "address"} <= set(entry.attributes)
    assert entry.subject == resident.oidc_subject and entry.user_id == resident.pk
    person = demo_person(kriens.bfs_number)
    stored = str(entry.attributes) + entry.triggered_by + entry.message_id
    assert person["vn"] not in stored and person["official_name"] not in stored


def test_register_write_carries_the_registers_message_id(kriens, in_commune, resident_of):
    """Umzug innerhalb: the identification (read) and the eCH-0020 move (write, with the
    register's message id and the attributes sent)."""
    person = generate_resident(kriens.bfs_number, 22)
    resident = resident_of(kriens, person)
    with in_commune(kriens):
        case = run_automated(
            case_submit(
                user=resident,
                service_key="umzug-innerhalb",
                data={
                    "new_address": NEW_HOME,
                    "move_date": "2026-12-01",
                    "persons": "me",
                    "email": "person@example.ch",
                },
            )
        )
        assert case.status == CaseStatus.COMPLETED
        message_id = case.steps.order_by("position").last().output["message_id"]
    kinds = list(
        RegisterAccess.objects.filter(case_id=case.pk)
        .order_by("id")
        .values_list("kind", "register", "message_id")
    )
    assert kinds == [
        ("read", "resident_register.identify", ""),
        ("write", "resident_register.address_change", message_id),
    ]
    write = RegisterAccess.objects.get(case_id=case.pk, kind="write")
    assert "address" in write.attributes and "request_xml" not in write.attributes


def test_failed_register_call_is_logged_too(kriens, in_commune, resident_of):
    """A person the register does not know: the identification was still a request about
    them, so it is logged (without a message id)."""
    stranger = generate_resident(kriens.bfs_number, 23)
    stranger["vn"] = "7561234567897"
    resident = resident_of(kriens, stranger)
    with in_commune(kriens):
        case = run_automated(_wohnsitz(resident))
    entries = list(RegisterAccess.objects.filter(case_id=case.pk))
    assert [(e.kind, e.register) for e in entries] == [("read", "resident_register.identify")]


def test_clerk_view_with_identity_numbers_is_logged(
    kriens, in_commune, resident_of, commune_client
):
    """A clerk opening a case whose steps hold the AHV number leaves a "view" entry naming
    the clerk; the resident's own case page does not."""
    resident = resident_of(kriens)
    with in_commune(kriens):
        case = run_automated(_wohnsitz(resident))
        clerk = clerk_in("Einwohnerdienste", first_name="Claudia", last_name="Klerk")
        assign_perm("cases.view_case", clerk, case)
        assign_perm("cases.change_case", clerk, case)
    before = RegisterAccess.objects.filter(case_id=case.pk).count()
    client = commune_client(kriens)
    with in_commune(kriens):
        client.force_login(clerk)
        _carry_login(client, clerk)
    assert client.get(f"/backoffice/geschaefte/{case.pk}/").status_code == 200
    view = RegisterAccess.objects.get(case_id=case.pk, kind="view")
    assert "Claudia Klerk" in view.triggered_by and view.attributes == ["ahv_number"]
    assert view.subject == resident.oidc_subject
    assert RegisterAccess.objects.filter(case_id=case.pk).count() == before + 1


def test_resident_sees_own_entries_on_commune_and_public_host(
    kriens, in_commune, resident_of, commune_client, public_client
):
    """GET /api/me/access-log/ and "Meine Daten" list the resident's entries, not another
    resident's; 401 without login; the public host lists them by subject."""
    resident = resident_of(kriens)
    other = resident_of(kriens, generate_resident(kriens.bfs_number, 24))
    with in_commune(kriens):
        mine = run_automated(_wohnsitz(resident))
        theirs = run_automated(_wohnsitz(other))
    anonymous = commune_client(kriens)
    assert anonymous.get("/api/me/access-log/").status_code in (401, 403)
    mine_client = commune_client(kriens)
    with in_commune(kriens):
        mine_client.force_login(resident)
        _carry_login(mine_client, resident)
    answer = mine_client.get("/api/me/access-log/")
    assert answer.status_code == 200
    refs = {e["case_reference"] for e in answer.json()}
    assert refs == {mine.reference} and theirs.reference not in refs
    assert answer.json()[0]["legal_basis"] and answer.json()[0]["purpose"]
    page = mine_client.get("/meine-daten/").content.decode()
    assert "Zugriffe auf meine Daten" in page and mine.reference in page
    assert theirs.reference not in page
    with in_public():
        public_user = User.objects.create(
            email=None, role=User.Role.RESIDENT, oidc_subject=resident.oidc_subject
        )
        public_client.force_login(public_user)
    public = public_client.get("/api/me/access-log/")
    assert public.status_code == 200
    assert {e["case_reference"] for e in public.json()} == {mine.reference}
