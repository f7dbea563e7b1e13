"""The catalogue API contract: public catalogue and the commune's offer (PATCH for admins)."""

from decimal import Decimal

import pytest

from catalog.models import OfferIndex
from catalog.offers.models import ServiceOffer
from catalog.services import offer_set, offers_seed_defaults
from tests.factories import UserFactory
from tests.identity import api_token


def test_public_list_contract(seeded, public_client):
    """The list gives key, name, level, topics, fee and version of every published service."""
    response = public_client.get("/api/catalog/services/")
    assert response.status_code == 200
    data = response.json()
    assert len(data) == 35
    item = next(d for d in data if d["key"] == "wohnsitzbestaetigung")
    assert {"key", "name", "level", "topics", "fee", "version"} <= set(item)
    assert item["name"] == "Wohnsitzbestätigung" and item["level"] == "gemeinde"
    assert item["fee"] == "20.00" and item["version"] == 1 and "wohnsitz" in item["topics"]


def test_public_list_filters(seeded, public_client):
    """?q= searches, ?level= and ?topic= filter; an unknown level is a clear 400."""
    found = public_client.get("/api/catalog/services/", {"q": "zügeln"}).json()
    assert {d["key"] for d in found[:3]} == {"umzug-zuzug", "umzug-wegzug", "umzug-innerhalb"}
    bund = public_client.get("/api/catalog/services/", {"level": "bund"}).json()
    assert bund and all(d["level"] == "bund" for d in bund)
    dogs = public_client.get("/api/catalog/services/", {"topic": "tiere"}).json()
    assert {d["key"] for d in dogs} == {"hund-anmelden", "hund-abmelden", "hundekontrolle-mutation"}
    bad = public_client.get("/api/catalog/services/", {"level": "planet"})
    assert bad.status_code == 400 and "Unbekannte Ebene" in bad.json()["level"][0]


def test_public_detail_contract(seeded, public_client):
    """The detail adds the form definition and ordered steps; unknown keys are 404."""
    data = public_client.get("/api/catalog/services/wohnsitzbestaetigung/").json()
    assert data["form_definition"]["fields"][0]["key"] == "purpose"
    assert [s["adapter_key"] for s in data["steps"]] == [
        "resident_register.identify",
        "documents.residence_certificate",
        "billing.qr_invoice",
    ]
    assert public_client.get("/api/catalog/services/gibt-es-nicht/").status_code == 404


@pytest.fixture
def kriens_offers(seeded, kriens, in_commune):
    with in_commune(kriens):
        offers_seed_defaults()
    return kriens


def test_commune_list_contract(kriens_offers, in_commune, commune_client):
    """/api/services/ lists the commune's offers with stage and the commune's fee."""
    with in_commune(kriens_offers):
        from catalog.models import Service

        offer_set(
            service=Service.objects.get(key="parkkarte"), stage="form", fee_override=Decimal("480")
        )
    data = commune_client(kriens_offers).get("/api/services/").json()
    by_key = {d["key"]: d for d in data}
    assert by_key["wohnsitzbestaetigung"]["stage"] == "automated"
    assert by_key["parkkarte"]["fee"] == "480.00" and by_key["baugesuch"]["fee"] == "300.00"
    assert by_key["baugesuch"]["responsible_group"] == "Bauamt"


def token_for(commune, in_commune, **traits) -> str:
    with in_commune(commune):
        return api_token(UserFactory(**traits))


def test_patch_by_admin(kriens_offers, in_commune, commune_client):
    """A commune administrator changes stage, fee and group; the public index follows."""
    token = token_for(kriens_offers, in_commune, admin=True)
    response = commune_client(kriens_offers).patch(
        "/api/services/baugesuch/",
        {
            "stage": "link",
            "link_url": "https://www.kriens.ch/bau",
            "fee_override": "250.00",
            "responsible_group": "Einwohnerdienste",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["stage"] == "link" and response.json()["fee"] == "250.00"
    with in_commune(kriens_offers):
        offer = ServiceOffer.objects.get(service__key="baugesuch")
        assert offer.responsible_group.name == "Einwohnerdienste"
    assert OfferIndex.objects.get(commune=kriens_offers, service__key="baugesuch").stage == "link"


def test_patch_invalid_is_400_and_changes_nothing(kriens_offers, in_commune, commune_client):
    """Stage link without a URL is a 400 with the field named; the offer stays as it was."""
    token = token_for(kriens_offers, in_commune, admin=True)
    response = commune_client(kriens_offers).patch(
        "/api/services/baugesuch/",
        {"stage": "link"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 400 and "link_url" in response.json()
    with in_commune(kriens_offers):
        assert ServiceOffer.objects.get(service__key="baugesuch").stage == "form"


@pytest.mark.parametrize("traits", [{}, {"clerk": True}])
def test_patch_refused_for_residents_and_clerks(kriens_offers, in_commune, commune_client, traits):
    """Residents and clerks get 403 and nothing changes."""
    token = token_for(kriens_offers, in_commune, **traits)
    response = commune_client(kriens_offers).patch(
        "/api/services/baugesuch/",
        {"stage": "link", "link_url": "https://x.ch"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 403
    with in_commune(kriens_offers):
        assert ServiceOffer.objects.get(service__key="baugesuch").stage == "form"
    assert OfferIndex.objects.get(commune=kriens_offers, service__key="baugesuch").stage == "form"


def test_patch_anonymous_401(kriens_offers, commune_client):
    """Without login the API answers 401."""
    response = commune_client(kriens_offers).patch(
        "/api/services/baugesuch/", {"stage": "link"}, content_type="application/json"
    )
    assert response.status_code == 401


def test_patch_pilot_refused_outside_public_innovators(kriens_offers, in_commune, commune_client):
    """Even an administrator cannot activate a pilot in a non-Public-Innovator commune."""
    kriens_offers.public_innovator = False
    kriens_offers.save()
    token = token_for(kriens_offers, in_commune, admin=True)
    response = commune_client(kriens_offers).patch(
        "/api/services/mieterwechsel-melden/",
        {"stage": "form"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 400 and "Public-Innovator" in response.json()["detail"]
    with in_commune(kriens_offers):
        assert not ServiceOffer.objects.filter(service__key="mieterwechsel-melden").exists()


def test_admin_lists_inactive_offers(kriens_offers, in_commune, commune_client):
    """?all=1 lists withdrawn offers for administrators only."""
    with in_commune(kriens_offers):
        from catalog.models import Service

        offer_set(service=Service.objects.get(key="baugesuch"), stage="form", active=False)
    client = commune_client(kriens_offers)
    assert "baugesuch" not in {d["key"] for d in client.get("/api/services/", {"all": "1"}).json()}
    token = token_for(kriens_offers, in_commune, admin=True)
    data = client.get("/api/services/", {"all": "1"}, HTTP_AUTHORIZATION=f"Token {token}").json()
    assert {d["key"]: d["active"] for d in data}["baugesuch"] is False
