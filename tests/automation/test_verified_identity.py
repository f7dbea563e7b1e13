"""Automation trusts only verified claims (issue 9): the attack of typing another person's
identity into one's own profile or order form, quality levels per service, the case's copy of
the login's claims."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cases.models import Case, CaseStatus, ReferenceCounter, StepStatus
from cases.services import ServiceNotOrderable, case_submit
from catalog.models import ServiceVersion
from catalog.services import service_new_version, version_publish
from integrations.reference import demo_person
from integrations.reference.population import generate_commune
from tests.factories import UserFactory
from tests.identity import api_token, profile_type_in, verified_login

from .helpers import run_automated

pytestmark = pytest.mark.django_db

ORDER = {"purpose": "bank", "delivery": "pdf"}


def _victim(commune) -> dict:
    return generate_commune(commune.bfs_number)[5]


def test_typed_in_identity_of_another_person_gets_no_certificate(
    kriens, in_commune, resident_of, commune_client, control
):
    """An e-mail account with another person's AHV number, name and birth date typed into its
    profile cannot order the Wohnsitzbestätigung: page and API refuse (403, why, step-up link),
    no case, no reference number, nothing sent to the register."""
    resident_of(kriens)  # offers + registers
    victim = _victim(kriens)
    with in_commune(kriens):
        attacker = UserFactory()
        profile_type_in(attacker, victim)
        counter_before = list(ReferenceCounter.objects.values_list("year", "last_number"))
    calls_before = control("resident")["calls"]
    page = commune_client(kriens, user=attacker).get(
        "/dienstleistungen/wohnsitzbestaetigung/bestellen/"
    )
    assert page.status_code == 403
    html = page.content.decode()
    assert "verifizierte Identität" in html and "/anmelden/e-id/?stufe=verified" in html
    posted = commune_client(kriens, user=attacker).post(
        "/dienstleistungen/wohnsitzbestaetigung/bestellen/", ORDER
    )
    assert posted.status_code == 403
    with in_commune(kriens):
        token = api_token(attacker)
    api = commune_client(kriens, HTTP_AUTHORIZATION=f"Token {token}")
    answer = api.post(
        "/api/cases/",
        {"service": "wohnsitzbestaetigung", "data": ORDER},
        content_type="application/json",
    )
    assert answer.status_code == 403
    body = answer.json()
    assert body["code"] == "auth_level" and body["required_level"] == "verified"
    assert "verifizierte Identität" in body["service"][0]
    english = api.post(
        "/api/cases/",
        {"service": "wohnsitzbestaetigung", "data": ORDER},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_COOKIE="django_language=en",
    )
    assert english.status_code == 403
    assert "verified identity" in english.json()["service"][0]
    with in_commune(kriens):
        assert not Case.objects.filter(applicant=attacker).exists()
        assert list(ReferenceCounter.objects.values_list("year", "last_number")) == counter_before
    assert control("resident")["calls"] == calls_before


def test_case_under_a_lower_level_version_goes_to_a_clerk_and_nothing_to_the_register(
    kriens, in_commune, resident_of, control
):
    """A case ordered with typed-in identity (a version that accepted e-mail accounts, e.g.
    from before the levels) never identifies anyone in the register: a clerk task instead."""
    resident_of(kriens)
    ServiceVersion.objects.filter(service__key="wohnsitzbestaetigung").update(
        min_auth_level="email"
    )
    victim = _victim(kriens)
    with in_commune(kriens):
        attacker = UserFactory()
        profile_type_in(attacker, victim)
        calls_before = control("resident")["calls"]
        case = run_automated(
            case_submit(user=attacker, service_key="wohnsitzbestaetigung", data=ORDER)
        )
        step = case.steps.order_by("position").first()
        assert step.status == StepStatus.MANUAL_FALLBACK
        assert "nicht durch eine verifizierte Anmeldung" in step.last_error
        assert case.documents.count() == 0
        assert case.status != CaseStatus.COMPLETED
    assert control("resident")["calls"] == calls_before


def test_verified_claims_win_over_typed_values(kriens, in_commune, resident_of):
    """The register identifies the person of the verified login, even when the profile and the
    form hold someone else's AHV number; the case keeps the login's claims as their source."""
    resident = resident_of(kriens)  # verified login as the demo person
    me = demo_person(kriens.bfs_number)
    with in_commune(kriens):
        case = case_submit(user=resident, service_key="wohnsitzbestaetigung", data=ORDER)
        assert case.identity["verified"] is True and case.identity["level"] == "eid"
        assert case.identity["claims"]["ahv_number"].replace(".", "") == me["vn"]
        assert case.identity["source"] == "provider"
        case = run_automated(case)
        assert case.status == CaseStatus.COMPLETED
        identify = case.steps.order_by("position").first()
        assert identify.input["applicant"]["ahv_number"].replace(".", "") == me["vn"]
        assert identify.input["applicant"]["identity_source"] == "eid"


def test_verified_profile_fields_cannot_be_changed_by_typing(
    kriens, in_commune, resident_of, commune_client
):
    """After a verified login the profile shows names, birth date and AHV number read-only with
    their source; the service and the API refuse other values and keep the stored ones."""
    resident = resident_of(kriens)
    victim = _victim(kriens)
    with in_commune(kriens):
        with pytest.raises(ValidationError) as refused:
            profile_type_in(resident, victim)
        assert set(refused.value.message_dict) >= {"ahv_number", "date_of_birth"}
        resident.refresh_from_db()
        assert (
            resident.resident_profile.ahv_number.replace(".", "")
            == demo_person(kriens.bfs_number)["vn"]
        )
    page = commune_client(kriens, user=resident).get("/profil/").content.decode()
    assert "übernommen am" in page and "nicht änderbar" in page
    assert 'name="ahv_number"' in page and "disabled" in page.split('name="ahv_number"')[1][:200]


def test_publishing_a_register_service_below_verified_is_refused(db):
    """A version whose steps read a register cannot be published for e-mail accounts."""
    from catalog.seed.loader import seed_catalog

    seed_catalog(keys=["wohnsitzbestaetigung"])
    service = ServiceVersion.objects.get(
        service__key="wohnsitzbestaetigung", status="published"
    ).service
    draft = service_new_version(service=service)
    assert draft.min_auth_level == "verified"
    ServiceVersion.objects.filter(pk=draft.pk).update(min_auth_level="email")
    draft.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        version_publish(version=draft)
    assert "verifizierte Identität" in " ".join(refused.value.messages)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_email_level_login_is_refused_like_a_password_login(kriens, in_commune, resident_of):
    """A provider login at the e-mail level does not vouch for the identity: refused too."""
    resident_of(kriens)
    with in_commune(kriens):
        user = UserFactory()
        verified_login(user, demo_person(kriens.bfs_number), level="email")
        with pytest.raises(ServiceNotOrderable) as refused:
            case_submit(user=user, service_key="wohnsitzbestaetigung", data=ORDER)
        assert refused.value.code == "auth_level"
        assert not Case.objects.filter(applicant=user).exists()
