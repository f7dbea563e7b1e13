"""The cantonal office sees failing adapters across communes (public admin, by value)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from integrations.failures import adapter_failure_counts, adapter_failure_record
from integrations.models import AdapterFailure
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _failure(*, bfs: int, name: str, adapter: str, attempt: int = 1, case_id=None, hours_ago=1):
    return adapter_failure_record(
        commune_bfs=bfs,
        commune_name=name,
        case_id=case_id or uuid.uuid4(),
        case_reference="KRI-2026-000001",
        service_key="wohnsitzbestaetigung",
        step_key="identify",
        attempt=attempt,
        adapter_key=adapter,
        transient=True,
        handed_to_clerk=False,
        error_code="http_500",
        error_message="Das Register meldet einen vorübergehenden Fehler (HTTP 500).",
        at=timezone.now() - dt.timedelta(hours=hours_ago),
    )


def test_a_redelivered_failure_is_recorded_once():
    """The same commune, case, step and attempt make one row, however often reported."""
    case_id = uuid.uuid4()
    assert _failure(bfs=1098, name="Kriens", adapter="x.y", case_id=case_id) is True
    assert _failure(bfs=1098, name="Kriens", adapter="x.y", case_id=case_id) is False
    assert _failure(bfs=1098, name="Kriens", adapter="x.y", case_id=case_id, attempt=2) is True
    assert AdapterFailure.objects.filter(case_id=case_id).count() == 2


def test_counts_per_adapter_over_24_hours_and_7_days():
    """Counts per adapter for the last 24 h and 7 days; older failures are not counted."""
    _failure(bfs=1098, name="Kriens", adapter="resident_register.identify")
    _failure(bfs=1024, name="Emmen", adapter="resident_register.identify", hours_ago=50)
    _failure(bfs=1024, name="Emmen", adapter="dog_register.register", hours_ago=200)
    counts = {row["adapter_key"]: row for row in adapter_failure_counts()}
    assert counts["resident_register.identify"]["last_24h"] == 1
    assert counts["resident_register.identify"]["last_7d"] == 2
    assert counts["resident_register.identify"]["communes_7d"] == 2
    assert "dog_register.register" not in counts


def test_cantonal_admin_lists_failures_with_filters_and_counts(public_client):
    """Cantonal staff see the failures, filter by adapter and commune, and the counts."""
    _failure(bfs=1098, name="Kriens", adapter="resident_register.identify")
    _failure(bfs=1024, name="Emmen", adapter="dog_register.register")
    public_client.force_login(UserFactory(email="staff@lu.ch", canton=True))
    page = public_client.get("/admin/integrations/adapterfailure/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Fehler pro Schnittstelle" in html and "resident_register.identify" in html
    filtered = public_client.get(
        "/admin/integrations/adapterfailure/?adapter_key=dog_register.register"
    ).content.decode()
    assert "1 Schnittstellenfehler" in filtered or "Emmen" in filtered
    by_commune = public_client.get("/admin/integrations/adapterfailure/?commune_name=Kriens")
    assert by_commune.status_code == 200
    assert public_client.get("/admin/integrations/adapterfailure/add/").status_code == 403
