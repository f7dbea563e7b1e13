"""The cross-commune case index (public schema, by value) and the public host's "Meine
Geschäfte" over all communes (page and GET /api/me/cases/)."""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts import logins
from accounts.models import User
from cases.models import CaseStatus
from cases.services import case_submit, case_withdraw
from catalog.seed.loader import seed_catalog
from catalog.services import offers_seed_defaults
from integrations.reference import demo_person
from tenants.models import CaseIndexEntry
from tests.factories import UserFactory
from tests.identity import provider_identity, verified_login

pytestmark = pytest.mark.django_db
ORDER = {"purpose": "bank", "delivery": "pdf"}
SERVICE = "wohnsitzbestaetigung"


@pytest.fixture
def offered(kriens, emmen, in_commune):
    seed_catalog(keys=[SERVICE])
    for commune in (kriens, emmen):
        with in_commune(commune):
            offers_seed_defaults()


def _person_in(commune, in_commune, person, subject=""):
    with in_commune(commune):
        user = UserFactory()
        if subject:
            user.oidc_subject = subject
            user.save(update_fields=["oidc_subject"])
        verified_login(user, person)
    return user


def _public_user(subject: str) -> User:
    return User.objects.create(email=None, role=User.Role.RESIDENT, oidc_subject=subject)


def test_submission_and_each_status_change_are_mirrored_by_value(kriens, in_commune, offered):
    """An entry appears on submission and follows the status; it holds values only."""
    user = _person_in(kriens, in_commune, demo_person(kriens.bfs_number))
    with in_commune(kriens):
        case = case_submit(user=user, service_key=SERVICE, data=ORDER)
        entry = CaseIndexEntry.objects.get(case_id=case.pk)
        assert entry.subject == user.oidc_subject and entry.commune_id == kriens.pk
        assert entry.status == case.status and entry.reference == case.reference
        case_withdraw(user=user, case=case)
        entry.refresh_from_db()
        assert entry.status == CaseStatus.WITHDRAWN and entry.closed_at is not None
    columns = {f.name for f in CaseIndexEntry._meta.get_fields()}
    assert columns == {
        "id", "commune", "case_id", "reference", "service_key", "service_title_de",
        "service_title_en", "status", "subject", "submitted_at", "updated_at", "closed_at",
    }  # fmt: skip


def test_rolled_back_change_leaves_the_entry_unchanged(kriens, in_commune, offered):
    """The entry is written in the status change's transaction: a rollback takes it back."""
    user = _person_in(kriens, in_commune, demo_person(kriens.bfs_number))
    with in_commune(kriens):
        case = case_submit(user=user, service_key=SERVICE, data=ORDER)
        before = CaseIndexEntry.objects.get(case_id=case.pk).status
        with pytest.raises(RuntimeError), transaction.atomic():
            case_withdraw(user=user, case=case)
            raise RuntimeError("rollback")
        assert CaseIndexEntry.objects.get(case_id=case.pk).status == before


def test_accounts_without_identity_are_not_indexed(kriens, in_commune, offered):
    """An e-mail account (no provider subject) leaves no trace in the public index."""
    from catalog.models import ServiceVersion

    ServiceVersion.objects.filter(service__key=SERVICE).update(min_auth_level="none")
    with in_commune(kriens):
        user = UserFactory()
        case_submit(user=user, service_key=SERVICE, data=ORDER)
    assert not CaseIndexEntry.objects.exists()


def test_one_person_sees_cases_of_both_communes_and_nobody_else_does(
    kriens, emmen, in_commune, offered, public_client, client
):
    """The same identity in Kriens and Emmen: both cases on the public page and in the API,
    with links to each commune's host; another person sees none; anonymous gets 401."""
    person = demo_person(kriens.bfs_number)
    subject = provider_identity(person).subject
    kriens_user = _person_in(kriens, in_commune, person, subject)
    emmen_user = _person_in(emmen, in_commune, person, subject)
    with in_commune(kriens):
        first = case_submit(user=kriens_user, service_key=SERVICE, data=ORDER)
    with in_commune(emmen):
        second = case_submit(user=emmen_user, service_key=SERVICE, data=ORDER)
    public_client.force_login(_public_user(subject))
    data = public_client.get("/api/me/cases/").json()
    assert {row["reference"] for row in data} == {first.reference, second.reference}
    urls = {row["commune"]: row["url"] for row in data}
    assert urls["kriens"].endswith(f"kriens.localhost:8000/meine-geschaefte/{first.pk}/")
    assert urls["emmen"].endswith(f"emmen.localhost:8000/meine-geschaefte/{second.pk}/")
    assert set(data[0]) == {"commune", "reference", "service", "status", "updated_at", "url"}
    page = public_client.get("/meine-geschaefte/").content.decode()
    assert first.reference in page and second.reference in page and "Emmen" in page
    from django.test import Client

    stranger = Client(HTTP_HOST="localhost")
    stranger.force_login(_public_user("someone-else"))
    assert stranger.get("/api/me/cases/").json() == []
    assert first.reference not in stranger.get("/meine-geschaefte/").content.decode()
    anonymous = Client(HTTP_HOST="localhost")
    assert anonymous.get("/api/me/cases/").status_code == 401
    assert anonymous.get("/meine-geschaefte/")["Location"].startswith("/anmelden/")


def test_clerks_and_commune_hosts_never_see_the_index(kriens, in_commune, offered, commune_client):
    """No commune-host address serves the index, and neither admin site lists it."""
    from tenants.admin_sites import canton_admin_site, commune_admin_site

    user = _person_in(kriens, in_commune, demo_person(kriens.bfs_number))
    with in_commune(kriens):
        case_submit(user=user, service_key=SERVICE, data=ORDER)
        clerk = UserFactory(clerk=True)
    assert commune_client(kriens, user=clerk).get("/api/me/cases/").status_code == 404
    assert CaseIndexEntry not in canton_admin_site._registry
    assert CaseIndexEntry not in commune_admin_site._registry


def test_linking_an_email_account_backfills_its_cases(kriens, in_commune, offered):
    """Cases of an e-mail account appear in the index once it is linked to an identity."""
    from catalog.models import ServiceVersion

    ServiceVersion.objects.filter(service__key=SERVICE).update(min_auth_level="none")
    person = demo_person(kriens.bfs_number)
    with in_commune(kriens):
        anna = UserFactory(email="anna@example.ch")
        case = case_submit(user=anna, service_key=SERVICE, data=ORDER)
        assert not CaseIndexEntry.objects.exists()
        identity = provider_identity(person)
        logins.account_link(
            identity=identity, email="anna@example.ch", password="Sicheres-Passwort-2026"
        )
    entry = CaseIndexEntry.objects.get(case_id=case.pk)
    assert entry.subject == identity.subject
