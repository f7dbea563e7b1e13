"""The seed catalogue: real services on all levels, loaded idempotently."""

from decimal import Decimal

from catalog.models import Level, Service, ServiceVersion
from catalog.seed import SERVICES
from catalog.seed.loader import seed_catalog


def test_seed_loads_thirty_plus_published_services(seeded):
    """At least 30 services are published, on all three levels, with valid forms and steps."""
    assert seeded["created"] >= 30
    published = ServiceVersion.objects.filter(status="published")
    assert published.count() == len(SERVICES) >= 30
    assert set(Service.objects.values_list("level", flat=True)) == set(Level.values)
    assert 1 <= Service.objects.filter(pilot=True).count() <= 2
    for key in ("umzug-zuzug", "umzug-wegzug", "umzug-innerhalb", "hund-anmelden"):
        assert Service.objects.filter(key=key).exists(), key


def test_wohnsitzbestaetigung_steps(seeded):
    """Wohnsitzbestätigung runs three automated steps in the agreed order."""
    version = ServiceVersion.objects.get(service__key="wohnsitzbestaetigung", status="published")
    assert version.service.level == "gemeinde"
    assert isinstance(version.fee, Decimal) and version.fee > 0
    assert [(s.kind, s.adapter_key) for s in version.steps.order_by("position")] == [
        ("automated", "resident_register.identify"),
        ("automated", "documents.residence_certificate"),
        ("automated", "billing.qr_invoice"),
    ]


def test_seed_is_idempotent(seeded):
    """A second run changes nothing and creates no new versions."""
    before = ServiceVersion.objects.count()
    again = seed_catalog()
    assert again["created"] == 0 and again["updated"] == 0
    assert ServiceVersion.objects.count() == before


def test_seed_change_creates_new_version(seeded, monkeypatch):
    """A changed seed entry gets a new published version; the old one is superseded."""
    spec = next(s for s in SERVICES if s["key"] == "hund-anmelden")
    monkeypatch.setitem(spec, "fee", "150.00")
    counts = seed_catalog()
    assert counts["updated"] == 1
    versions = ServiceVersion.objects.filter(service__key="hund-anmelden").order_by("number")
    assert [(v.number, v.status, v.fee) for v in versions] == [
        (1, "superseded", Decimal("120.00")),
        (2, "published", Decimal("150.00")),
    ]
