"""Realistic default activation, rollout snapshots per month, commune-own services."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from billing.selectors.report import report_build
from billing.selectors.rollout import rollout_go_live, rollout_path
from catalog.models import Approval, OfferIndex, OfferSnapshot, Service
from catalog.offers.models import ServiceOffer, Stage
from catalog.seed.innovators import public_innovators_listed
from catalog.services import offer_set
from catalog.services.own_services import commune_service_decide, commune_service_propose
from catalog.services.rollout import current_month, rollout_snapshot_take
from tenants.models import Commune
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_realistic_start_flags_innovators_and_offers_part_of_the_catalogue(
    seeded, kriens, in_commune
):
    """seed_offers (default): the listed communes become Public Innovators with the full
    activation; a commune outside the list gets the core services at form and part of the
    rest at link with its website, well below the 80 % target."""
    Commune.objects.update(public_innovator=False)
    horw = Commune.objects.get(slug="horw")
    assert horw.bfs_number not in public_innovators_listed()
    with in_commune(horw):
        call_command("seed_offers", stdout=io.StringIO())
        stages = dict(ServiceOffer.objects.values_list("service__key", "stage"))
        link = ServiceOffer.objects.filter(stage=Stage.LINK).first()
    assert set(
        Commune.objects.filter(public_innovator=True).values_list("bfs_number", flat=True)
    ) == set(public_innovators_listed())
    assert stages["wohnsitzbestaetigung"] == stages["umzug-zuzug"] == Stage.FORM
    assert "mieterwechsel-melden" not in stages
    assert link is not None and link.link_url == "https://www.horw.ch/"
    assert Stage.AUTOMATED not in stages.values()
    row = next(r for r in report_build(year=2021).rollout if r.bfs_number == horw.bfs_number)
    assert Decimal("10") < row.share < Decimal("50")
    # ``kriens`` was loaded before the flags were set (as all_tenants_command loads every
    # commune first): seed_offers reads the flag afresh.
    assert kriens.public_innovator is False
    with in_commune(kriens):
        call_command("seed_offers", stdout=io.StringIO())
        assert ServiceOffer.objects.filter(stage=Stage.AUTOMATED).count() == 5


def test_every_offer_change_is_recorded_for_the_month(seeded, kriens, in_commune):
    """offer_set writes the month's snapshot; a withdrawal is recorded as withdrawn."""
    service = Service.objects.get(key="baugesuch")
    with in_commune(kriens):
        offer_set(service=service, stage="link", link_url="https://kriens.ch/bau")
        offer_set(service=service, stage="form")
    snap = OfferSnapshot.objects.get(commune=kriens, service=service, month=current_month())
    assert snap.stage == "form"  # the last stage of the month
    with in_commune(kriens):
        offer_set(service=service, stage="form", active=False)
    snap.refresh_from_db()
    assert snap.stage == OfferSnapshot.WITHDRAWN


def test_rollout_path_carries_stages_forward(seeded, kriens, emmen):
    """Snapshots in January and April: February and March keep January's stages; the
    canton-wide share and the go-live month follow."""
    services = list(Service.objects.filter(pilot=False).order_by("key")[:4])
    jan, apr = dt.date(2025, 1, 1), dt.date(2025, 4, 1)
    OfferSnapshot.objects.bulk_create(
        [
            OfferSnapshot(commune=kriens, service=services[0], month=jan, stage="form"),
            OfferSnapshot(commune=kriens, service=services[1], month=jan, stage="link"),
            OfferSnapshot(commune=kriens, service=services[1], month=apr, stage="automated"),
            OfferSnapshot(commune=emmen, service=services[0], month=apr, stage="form"),
            OfferSnapshot(commune=kriens, service=services[2], month=apr, stage="withdrawn"),
        ]
    )
    path = rollout_path(start=dt.date(2024, 12, 1), end=dt.date(2025, 6, 1))
    assert path.months[0] == dt.date(2024, 12, 1) and len(path.months) == 6
    rows = {c.bfs_number: c for c in path.communes}
    assert rows[kriens.bfs_number].offered == [0, 1, 1, 1, 2, 2]
    assert rows[emmen.bfs_number].offered == [0, 0, 0, 0, 1, 1]
    assert path.canton[-1] == (Decimal(3 * 100) / (path.services * len(path.communes))).quantize(
        Decimal("0.1")
    )
    live = {g.service_key: g for g in rollout_go_live()}
    assert live[services[0].key].first == jan
    assert live[services[0].key].communes == [("Kriens", jan), ("Emmen", apr)]
    assert live[services[1].key].communes == [("Kriens", apr)]


def test_monthly_snapshot_records_every_offer(seeded, kriens, in_commune):
    """rollout_snapshot_take copies the whole offer index into the month (idempotent)."""
    with in_commune(kriens):
        offer_set(service=Service.objects.get(key="baugesuch"), stage="form")
    month = dt.date(2030, 1, 1)
    assert rollout_snapshot_take(month=month) == OfferIndex.objects.count()
    rollout_snapshot_take(month=month)
    assert OfferSnapshot.objects.filter(month=month).count() == OfferIndex.objects.count()


def test_commune_own_service_needs_the_cantons_approval(seeded, kriens, emmen, in_commune):
    """Kriens proposes an own service; it cannot be offered before approval, then only by
    Kriens, and it does not count towards the cantonal catalogue."""
    services_before = report_build(year=2021).services_total
    with in_commune(kriens):
        admin = UserFactory(admin=True)
        own = commune_service_propose(
            user=admin, name_de="Bootsplatz mieten", summary_de="Ein Bootsplatz am See."
        )
        assert own.approval == Approval.PENDING and own.owner_commune == kriens
        with pytest.raises(ValidationError, match="noch nicht freigegeben"):
            offer_set(service=own, stage="form")
        assert not ServiceOffer.objects.filter(service=own).exists()
    commune_service_decide(user=UserFactory(canton=True), service=own, approve=True)
    own.refresh_from_db()
    assert own.approval == Approval.APPROVED
    with in_commune(kriens):
        offer_set(service=own, stage="form")
    with in_commune(emmen), pytest.raises(ValidationError, match="anderen Gemeinde"):
        offer_set(service=own, stage="form")
    assert not OfferIndex.objects.filter(commune=emmen, service=own).exists()
    assert report_build(year=2021).services_total == services_before


def test_only_administrators_propose_and_rejected_stays_unoffered(seeded, kriens, in_commune):
    """A clerk may not propose; a rejected proposal cannot be offered or decided again."""
    from django.core.exceptions import PermissionDenied

    with in_commune(kriens):
        with pytest.raises(PermissionDenied):
            commune_service_propose(user=UserFactory(clerk=True), name_de="X", summary_de="Y")
        assert not Service.objects.filter(owner_commune=kriens).exists()
        own = commune_service_propose(
            user=UserFactory(admin=True), name_de="Bootsplatz", summary_de="See."
        )
    canton = UserFactory(canton=True)
    commune_service_decide(user=canton, service=own, approve=False, reason="Gibt es schon.")
    with pytest.raises(ValidationError, match="bereits entschieden"):
        commune_service_decide(user=canton, service=own, approve=True)
    with in_commune(kriens), pytest.raises(ValidationError):
        offer_set(service=own, stage="form")


def test_scheduled_snapshot_writes_the_month_once_and_idempotently(seeded, kriens, in_commune):
    """The scheduler's public job records every current offer for this month, does nothing
    more within its interval, and a later run leaves exactly one row per offer."""
    from django.core.cache import caches

    from catalog.actors import rollout_snapshot
    from tenants.scheduler import periodic_public_actors

    assert rollout_snapshot in periodic_public_actors()
    with in_commune(kriens):
        offer_set(service=Service.objects.get(key="baugesuch"), stage="form")
    month = current_month()
    OfferSnapshot.objects.filter(month=month).delete()
    key = f"catalog:rollout-snapshot:{month:%Y-%m}"
    caches["public"].delete(key)
    try:
        rollout_snapshot.fn()
        rows = set(
            OfferSnapshot.objects.filter(month=month).values_list("commune", "service", "stage")
        )
        assert rows == set(OfferIndex.objects.values_list("commune", "service", "stage"))
        assert (kriens.pk, Service.objects.get(key="baugesuch").pk, "form") in rows
        OfferSnapshot.objects.filter(month=month).delete()
        rollout_snapshot.fn()  # within the interval: nothing
        assert not OfferSnapshot.objects.filter(month=month).exists()
        caches["public"].delete(key)
        rollout_snapshot.fn()
        rollout_snapshot.fn()
        caches["public"].delete(key)
        rollout_snapshot.fn()
        assert OfferSnapshot.objects.filter(month=month).count() == len(rows)
    finally:
        caches["public"].delete(key)
