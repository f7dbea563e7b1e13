"""Record and read failing adapters across communes (public schema, by value)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from integrations.models import AdapterFailure


def adapter_failure_record(
    *,
    commune_bfs: int,
    commune_name: str,
    case_id: uuid.UUID,
    case_reference: str,
    service_key: str,
    step_key: str,
    attempt: int,
    adapter_key: str,
    transient: bool,
    handed_to_clerk: bool,
    error_code: str,
    error_message: str,
    at: dt.datetime | None = None,
) -> bool:
    """Write one failure; returns False when this attempt was recorded before (idempotent)."""
    _row, created = AdapterFailure.objects.get_or_create(
        commune_bfs=commune_bfs,
        case_id=case_id,
        step_key=step_key,
        attempt=attempt,
        defaults={
            "commune_name": commune_name[:100],
            "case_reference": case_reference[:20],
            "service_key": service_key[:80],
            "adapter_key": adapter_key[:80],
            "transient": transient,
            "handed_to_clerk": handed_to_clerk,
            "error_code": error_code[:80],
            "error_message": error_message,
            "at": at or timezone.now(),
        },
    )
    return created


def adapter_failure_counts(*, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per adapter: failures in the last 24 hours and 7 days, and how many went to a clerk
    in the last 7 days (most failures first)."""
    now = now or timezone.now()
    day, week = now - dt.timedelta(hours=24), now - dt.timedelta(days=7)
    rows = (
        AdapterFailure.objects.filter(at__gte=week)
        .values("adapter_key")
        .annotate(
            last_24h=Count("id", filter=Q(at__gte=day)),
            last_7d=Count("id"),
            to_clerk_7d=Count("id", filter=Q(handed_to_clerk=True)),
            communes_7d=Count("commune_bfs", distinct=True),
        )
        .order_by("-last_24h", "-last_7d", "adapter_key")
    )
    return list(rows)
