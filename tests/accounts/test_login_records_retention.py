"""The login records of django-axes (with IP addresses) are kept AXES_RETENTION_DAYS: the
communes' retention job and the public job delete older ones, nothing younger."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.utils import timezone

from accounts.actors import expire_public_login_records
from cases.services.retention import retention_apply
from tenants.context import in_public
from tenants.scheduler import periodic_public_actors

pytestmark = pytest.mark.django_db

MODELS = (AccessAttempt, AccessFailureLog, AccessLog)


def _records(*, days_old: int, ip: str) -> None:
    """One record of each kind for ``ip``, ``days_old`` days old."""
    for model in MODELS:
        record = model.objects.create(
            username="anna@example.ch", ip_address=ip, user_agent="test", **_extra(model)
        )
        model.objects.filter(pk=record.pk).update(
            attempt_time=timezone.now() - dt.timedelta(days=days_old)
        )


def _extra(model) -> dict:
    if model is AccessAttempt:
        return {"get_data": "", "post_data": "", "failures_since_start": 1}
    return {}


def _ips() -> dict[str, set[str]]:
    return {m.__name__: set(m.objects.values_list("ip_address", flat=True)) for m in MODELS}


def test_the_retention_job_deletes_a_communes_login_records_past_the_period(
    kriens, emmen, in_commune, settings
):
    """Kriens's run deletes its records older than 30 days and keeps the younger; Emmen's old
    records wait for Emmen's run."""
    settings.AXES_RETENTION_DAYS = 30
    with in_commune(kriens):
        _records(days_old=31, ip="198.51.100.1")
        _records(days_old=29, ip="198.51.100.2")
    with in_commune(emmen):
        _records(days_old=31, ip="198.51.100.3")
    with in_commune(kriens):
        result = retention_apply()
        assert result.login_records_deleted == 3
        assert _ips() == {m.__name__: {"198.51.100.2"} for m in MODELS}
    with in_commune(emmen):
        assert _ips() == {m.__name__: {"198.51.100.3"} for m in MODELS}


def test_a_dry_run_deletes_no_login_records(kriens, in_commune, settings):
    settings.AXES_RETENTION_DAYS = 30
    with in_commune(kriens):
        _records(days_old=31, ip="198.51.100.1")
        assert retention_apply(dry_run=True).login_records_deleted == 0
        assert _ips() == {m.__name__: {"198.51.100.1"} for m in MODELS}


def test_the_public_job_deletes_the_cantonal_login_records_past_the_period(settings):
    """In public (cantonal staff), the scheduler's public job deletes what is past the period,
    once per interval."""
    from django.core.cache import cache

    settings.AXES_RETENTION_DAYS = 10
    assert expire_public_login_records in periodic_public_actors()
    with in_public():
        _records(days_old=11, ip="198.51.100.4")
        _records(days_old=9, ip="198.51.100.5")
        cache.delete("accounts:login-records-expired")
        expire_public_login_records.fn()
        assert _ips() == {m.__name__: {"198.51.100.5"} for m in MODELS}
        cache.delete("accounts:login-records-expired")
