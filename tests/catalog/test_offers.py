"""Commune offers: stages, pilot services, the public OfferIndex, and the default activation."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from catalog.models import OfferIndex, Service
from catalog.offers.models import ServiceOffer
from catalog.selectors import offer_for_order, offer_list
from catalog.services import offer_set, offer_update, offers_seed_defaults
from tests.factories import UserFactory


def index(commune, service):
    return OfferIndex.objects.filter(commune=commune, service=service).first()


def test_offer_set_writes_offer_and_index(make_service, kriens, in_commune):
    """Offering a service writes the commune's offer and the public index together."""
    service = make_service()
    with in_commune(kriens):
        offer = offer_set(service=service, stage="form", fee_override=Decimal("30"))
        assert ServiceOffer.objects.get(service=service).fee_override == Decimal("30.00")
        assert offer_for_order(key=service.key).fee == Decimal("30.00")
        offer_set(service=service, stage="link", link_url="https://www.kriens.ch/schalter")
    entry = index(kriens, service)
    assert offer.pk and entry.stage == "link" and entry.link_url == "https://www.kriens.ch/schalter"


def test_withdrawing_removes_from_index(make_service, kriens, in_commune):
    """An inactive offer is no longer listed publicly nor orderable."""
    service = make_service()
    with in_commune(kriens):
        offer_set(service=service, stage="form")
        offer_set(service=service, stage="form", active=False)
        assert offer_for_order(key=service.key) is None
        assert offer_list() == []
    assert index(kriens, service) is None


def test_link_stage_needs_url(make_service, kriens, in_commune):
    """Stage link without a URL is refused and nothing is stored."""
    service = make_service()
    with in_commune(kriens), pytest.raises(ValidationError) as info:
        offer_set(service=service, stage="link")
    assert "link_url" in info.value.error_dict
    with in_commune(kriens):
        assert not ServiceOffer.objects.exists()
    assert index(kriens, service) is None


def test_automated_needs_automated_steps(make_service, kriens, in_commune):
    """Stage automated is refused for a service without automated steps."""
    service = make_service()
    with in_commune(kriens), pytest.raises(ValidationError, match="automatisierten"):
        offer_set(service=service, stage="automated")


def test_pilot_refused_outside_public_innovators(make_service, kriens, in_commune):
    """A pilot service is refused in a commune that is not a Public Innovator; nothing changes."""
    kriens.public_innovator = False
    kriens.save()
    service = make_service("pilot", pilot=True)
    with in_commune(kriens):
        with pytest.raises(ValidationError, match="Public-Innovator"):
            offer_set(service=service, stage="form")
        assert not ServiceOffer.objects.exists()
    assert index(kriens, service) is None


def test_pilot_allowed_for_public_innovators(make_service, kriens, in_commune):
    """A Public Innovator commune may offer a pilot service."""
    kriens.public_innovator = True
    kriens.save()
    service = make_service("pilot", pilot=True)
    with in_commune(kriens):
        offer_set(service=service, stage="form")
    assert index(kriens, service).stage == "form"


def test_retired_service_cannot_be_offered(make_service, kriens, in_commune):
    """A retired service cannot be activated."""
    from catalog.services import service_retire

    service = service_retire(service=make_service())
    with in_commune(kriens), pytest.raises(ValidationError, match="ausser Betrieb"):
        offer_set(service=service, stage="form")


def test_offer_outside_commune_refused(make_service):
    """In the public schema there is no commune whose offer could change."""
    with pytest.raises(ValidationError):
        offer_set(service=make_service(), stage="form")


def test_seed_offers_defaults(seeded, kriens, emmen, in_commune):
    """Default activation: non-pilots at form, move/dog/residence services automated, groups."""
    kriens.public_innovator = True
    kriens.save()
    emmen.public_innovator = False
    emmen.save()
    with in_commune(kriens):
        call_command("seed_offers", stdout=io.StringIO())
        stages = dict(ServiceOffer.objects.values_list("service__key", "stage"))
        assert stages["wohnsitzbestaetigung"] == "automated"
        assert stages["umzug-zuzug"] == "automated" and stages["hund-anmelden"] == "automated"
        assert stages["baugesuch"] == "form"
        assert "mieterwechsel-melden" in stages  # pilot, Public Innovator
        assert {"Einwohnerdienste", "Steueramt", "Bauamt"} <= set(
            Group.objects.values_list("name", flat=True)
        )
        assert ServiceOffer.objects.get(service__key="baugesuch").responsible_group.name == "Bauamt"
    with in_commune(emmen):
        offers_seed_defaults()
        assert not ServiceOffer.objects.filter(service__pilot=True).exists()
        assert ServiceOffer.objects.count() == Service.objects.filter(pilot=False).count()
    assert (
        OfferIndex.objects.filter(commune=emmen).count()
        == Service.objects.filter(pilot=False).count()
    )


def test_seed_offers_idempotent_keeps_changes(seeded, kriens, in_commune):
    """A second run creates nothing and keeps what the commune changed."""
    with in_commune(kriens):
        offers_seed_defaults()
        baugesuch = Service.objects.get(key="baugesuch")
        offer_set(service=baugesuch, stage="link", link_url="https://kriens.ch/bau")
        count = ServiceOffer.objects.count()
        again = offers_seed_defaults()
        assert again == {"groups": 0, "offers": 0}
        assert ServiceOffer.objects.count() == count
        assert ServiceOffer.objects.get(service=baugesuch).stage == "link"
    assert index(kriens, baugesuch).stage == "link"


def test_seed_offers_refused_in_public_schema(seeded):
    """The default activation runs in a commune's schema only."""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Schema einer Gemeinde"):
        call_command("seed_offers", stdout=io.StringIO())
    assert not OfferIndex.objects.exists()


def test_withdrawing_link_offer_needs_no_url(make_service, kriens, in_commune):
    """A withdrawn offer may keep stage link without a URL."""
    service = make_service()
    with in_commune(kriens):
        offer = offer_set(service=service, stage="link", active=False)
    assert offer.active is False and index(kriens, service) is None


def test_offer_update_changes_only_what_it_is_given(make_service, kriens, in_commune):
    """offer_update: a new offer starts active at «form»; a later change keeps the rest."""
    service = make_service()
    with in_commune(kriens):
        admin = UserFactory(admin=True)
        offer = offer_update(user=admin, service=service, fee_override=Decimal("30"))
        assert (offer.active, offer.stage, offer.fee_override) == (True, "form", Decimal("30.00"))
        offer = offer_update(user=admin, service=service, contact_email="info@kriens.ch")
        assert offer.fee_override == Decimal("30.00") and offer.contact_email == "info@kriens.ch"
        with pytest.raises(ValidationError):
            offer_update(user=admin, service=service, stage="link")
        assert ServiceOffer.objects.get(service=service).stage == "form"
    assert index(kriens, service).stage == "form"


@pytest.mark.parametrize("traits", [{}, {"clerk": True}])
def test_offer_update_only_for_commune_administrators(make_service, kriens, in_commune, traits):
    """Residents and clerks cannot change an offer; nothing is written."""
    service = make_service()
    with in_commune(kriens):
        with pytest.raises(PermissionDenied):
            offer_update(user=UserFactory(**traits), service=service, stage="form")
        assert not ServiceOffer.objects.filter(service=service).exists()
