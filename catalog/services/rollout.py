"""Rollout history: the stage of every offer per month (public ``OfferSnapshot``).

``offer_set`` and the default activation record the current month's stage of what they
change; ``rollout_snapshot_take`` records every offer of a month at once (monthly job and
``manage.py rollout_snapshot``). Rows are upserts: a month keeps the last stage of that month.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from ..models import OfferSnapshot

ZURICH = ZoneInfo("Europe/Zurich")

_UPSERT = """
INSERT INTO catalog_offersnapshot (commune_id, service_id, month, stage)
VALUES {values}
ON CONFLICT (commune_id, service_id, month) DO UPDATE SET stage = EXCLUDED.stage
"""


def current_month(now: dt.datetime | None = None) -> dt.date:
    """First day of the month in Europe/Zurich."""
    local = (now or timezone.now()).astimezone(ZURICH)
    return dt.date(local.year, local.month, 1)


def offer_snapshots_record(
    *, commune_id: int, stages: dict[int, str], month: dt.date | None = None
) -> None:
    """Record ``{service_id: stage}`` of one commune for ``month`` (default: this month);
    ``OfferSnapshot.WITHDRAWN`` for an offer taken down."""
    if not stages:
        return
    month = month or current_month()
    rows = [(commune_id, service_id, month, stage) for service_id, stage in stages.items()]
    with connection.cursor() as cursor:
        # Table name qualified by the search path: the public table is visible from every
        # commune schema (the catalogue lives in public).
        cursor.execute(
            _UPSERT.format(values=", ".join(["(%s, %s, %s, %s)"] * len(rows))),
            [v for row in rows for v in row],
        )


def rollout_snapshot_take(*, month: dt.date | None = None) -> int:
    """Record every current offer of every commune for ``month`` (public schema; idempotent).
    Returns the number of offers recorded."""
    month = month or current_month()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO catalog_offersnapshot (commune_id, service_id, month, stage)
            SELECT commune_id, service_id, %s, stage FROM catalog_offerindex
            ON CONFLICT (commune_id, service_id, month) DO UPDATE SET stage = EXCLUDED.stage
            """,
            [month],
        )
        return cursor.rowcount


__all__ = [
    "OfferSnapshot",
    "current_month",
    "offer_snapshots_record",
    "rollout_snapshot_take",
]
