"""Commune-own services through the pages: a commune proposes, the canton approves or rejects
with a reason, the commune offers it; other communes neither see nor offer it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation

from catalog.models import Approval, OfferIndex, Service, ServiceVersion
from catalog.offers.models import ServiceOffer
from catalog.services.own_services import commune_service_decide, commune_service_propose
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/catalog/service/eigene-leistungen/"
PROPOSAL = {
    "name_de": "Bootsplatz mieten",
    "summary_de": "Einen Bootsplatz am Seeufer der Gemeinde mieten.",
    "name_en": "Rent a boat berth",
    "summary_en": "Rent a berth on the commune's lakeshore.",
    "fee": "120.00",
    "responsible_group": "Einwohnerdienste",
}


@pytest.fixture
def admin_client(in_commune, commune_client):
    """``admin_client(kriens)``: a commune administrator's client; the group exists."""

    def make(commune):
        with in_commune(commune):
            Group.objects.get_or_create(name="Einwohnerdienste")
            admin = UserFactory(admin=True)
        return commune_client(commune, user=admin)

    return make


@pytest.fixture
def canton_client(db) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(UserFactory(canton=True, email="egov@lu.ch"))
    return client


def _propose(commune, in_commune, name="Bootsplatz mieten") -> Service:
    with in_commune(commune):
        return commune_service_propose(
            user=UserFactory(admin=True), name_de=name, summary_de="Am See."
        )


def test_propose_approve_and_offer_through_the_pages(
    kriens, in_commune, admin_client, canton_client
):
    """Kriens proposes on its page (German and English), the canton approves in the queue
    (published), and Kriens offers it from its offers page at stage form."""
    client = admin_client(kriens)
    assert "Eigene Leistung vorschlagen" in client.get("/verwaltung/angebot/").content.decode()
    assert client.get("/verwaltung/eigene-leistungen/vorschlagen/").status_code == 200
    response = client.post("/verwaltung/eigene-leistungen/vorschlagen/", PROPOSAL)
    assert response.status_code == 302
    own = Service.objects.get(owner_commune=kriens)
    draft = own.versions.get()
    assert (own.approval, draft.status) == (Approval.PENDING, ServiceVersion.Status.DRAFT)
    assert (draft.name_en, str(draft.fee)) == ("Rent a boat berth", "120.00")
    assert "wartet auf Freigabe" in client.get("/verwaltung/eigene-leistungen/").content.decode()

    queue = canton_client.get(QUEUE).content.decode()
    assert "Bootsplatz mieten – Kriens" in queue and "Rent a boat berth" in queue
    response = canton_client.post(QUEUE, {"service": own.pk, "decision": "approve"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.approval == Approval.APPROVED
    assert own.versions.get().status == ServiceVersion.Status.PUBLISHED

    listing = client.get("/verwaltung/eigene-leistungen/").content.decode()
    assert "freigegeben" in listing and "Aufschalten" in listing
    assert "Bootsplatz mieten" in client.get("/verwaltung/angebot/").content.decode()
    response = client.post(
        f"/verwaltung/angebot/{own.key}/",
        {"active": "on", "stage": "form", "responsible_group": ""},
    )
    assert response.status_code == 302
    with in_commune(kriens):
        assert ServiceOffer.objects.get(service=own).stage == "form"
    assert OfferIndex.objects.get(commune=kriens, service=own).stage == "form"
    assert "Bootsplatz mieten" in client.get("/dienstleistungen/").content.decode()


def test_reject_needs_a_reason_that_the_commune_sees(
    kriens, in_commune, admin_client, canton_client
):
    """Rejecting without a reason is refused and changes nothing; with a reason the proposal is
    rejected, the commune sees the reason and cannot offer it."""
    own = _propose(kriens, in_commune)
    assert canton_client.post(QUEUE, {"service": "x", "decision": "reject"}).status_code == 404
    response = canton_client.post(QUEUE, {"service": own.pk, "decision": "reject", "reason": " "})
    assert response.status_code == 400
    assert "Bitte begründen Sie die Ablehnung" in response.content.decode()
    own.refresh_from_db()
    assert (own.approval, own.approval_decided_at) == (Approval.PENDING, None)

    reason = "Das deckt die kantonale Leistung «Parkkarte» schon ab."
    response = canton_client.post(
        QUEUE, {"service": own.pk, "decision": "reject", "reason": reason}
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.approval, own.approval_reason) == (Approval.REJECTED, reason)
    assert own.versions.get().status == ServiceVersion.Status.DRAFT
    client = admin_client(kriens)
    listing = client.get("/verwaltung/eigene-leistungen/").content.decode()
    assert "abgelehnt" in listing and reason in listing
    assert client.get(f"/verwaltung/angebot/{own.key}/").status_code == 404
    with in_commune(kriens):
        assert not ServiceOffer.objects.filter(service=own).exists()


def test_another_commune_neither_sees_nor_offers_it(kriens, emmen, in_commune, admin_client):
    """Kriens' approved own service is not on Emmen's pages; Emmen's POST offers nothing."""
    own = _propose(kriens, in_commune)
    commune_service_decide(user=UserFactory(canton=True), service=own, approve=True)
    emmen_client = admin_client(emmen)
    assert "Bootsplatz" not in emmen_client.get("/verwaltung/angebot/").content.decode()
    assert "Bootsplatz" not in emmen_client.get("/verwaltung/eigene-leistungen/").content.decode()
    assert emmen_client.get(f"/verwaltung/angebot/{own.key}/").status_code == 404
    response = emmen_client.post(
        f"/verwaltung/angebot/{own.key}/", {"active": "on", "stage": "form"}
    )
    assert response.status_code == 404
    with in_commune(emmen):
        assert not ServiceOffer.objects.filter(service=own).exists()
    assert not OfferIndex.objects.filter(service=own).exists()


def test_a_commune_administrator_cannot_approve(kriens, in_commune, admin_client):
    """Neither the service (in the commune's schema) nor the commune host lets a commune's
    administrator decide; the proposal stays pending."""
    own = _propose(kriens, in_commune)
    with in_commune(kriens), pytest.raises(PermissionDenied):
        commune_service_decide(user=UserFactory(admin=True), service=own, approve=True)
    with pytest.raises(PermissionDenied):
        commune_service_decide(user=UserFactory(clerk=True), service=own, approve=True)
    client = admin_client(kriens)
    assert client.post(QUEUE, {"service": own.pk, "decision": "approve"}).status_code == 404
    own.refresh_from_db()
    assert own.approval == Approval.PENDING
    assert not own.versions.filter(status=ServiceVersion.Status.PUBLISHED).exists()


def test_clerks_cannot_open_the_proposal_page(kriens, in_commune, commune_client):
    """A clerk gets 403 on the proposal page and proposes nothing."""
    with in_commune(kriens):
        clerk = UserFactory(clerk=True)
    client = commune_client(kriens, user=clerk)
    assert client.get("/verwaltung/eigene-leistungen/").status_code == 403
    response = client.post("/verwaltung/eigene-leistungen/vorschlagen/", PROPOSAL)
    assert response.status_code == 403
    assert not Service.objects.filter(owner_commune=kriens).exists()


@pytest.mark.parametrize(
    "change",
    [{"name_de": " "}, {"fee": "-5"}, {"fee": "1.005"}, {"responsible_group": "Gibt es nicht"}],
)
def test_bad_proposal_shows_errors_and_stores_nothing(kriens, admin_client, change):
    """Missing name, negative fee or unknown group: the form says what is wrong, nothing is
    stored."""
    response = admin_client(kriens).post(
        "/verwaltung/eigene-leistungen/vorschlagen/", {**PROPOSAL, **change}
    )
    assert response.status_code == 400
    (field,) = change
    assert list(response.context["form"].errors) == [field]
    assert 'class="error-summary"' in response.content.decode()
    assert not Service.objects.filter(owner_commune=kriens).exists()


def test_the_same_name_twice_is_refused(kriens, in_commune, admin_client):
    """A second proposal with the same name is refused by the service, shown on the form."""
    _propose(kriens, in_commune)
    response = admin_client(kriens).post("/verwaltung/eigene-leistungen/vorschlagen/", PROPOSAL)
    assert response.status_code == 400
    assert "gibt es schon" in response.content.decode()
    assert Service.objects.filter(owner_commune=kriens).count() == 1


def test_decision_messages_in_english(kriens, in_commune):
    """The service's refusal is translated."""
    own = _propose(kriens, in_commune)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        commune_service_decide(user=UserFactory(canton=True), service=own, approve=False)
    assert "Please give a reason" in str(exc.value)
