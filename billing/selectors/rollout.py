"""Rollout over time from the monthly offer snapshots (``catalog.OfferSnapshot``).

A month without a snapshot row of an offer keeps the stage of its latest earlier row, so the
path needs a row only when something changed (and the monthly full snapshot).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from tenants.models import Commune

from .report import ROLLOUT_STAGES, ROLLOUT_TARGET, catalogue_services, percent
from .series import add_months

# One pass over the snapshots: per offer, the months where it turns live (form/automated) or
# stops being live, as +1/-1 per commune and month (changes before ``start`` fold into
# ``start``); the counts per month are the running sum. (A LATERAL "latest row per offer" for
# every month took seconds over 92,000 rows and grew with the number of months.)
_PATH = """
WITH flagged AS (
    SELECT o.commune_id, o.month,
           (o.stage = ANY(%(stages)s))::int AS live,
           lag((o.stage = ANY(%(stages)s))::int, 1, 0)
               OVER (PARTITION BY o.commune_id, o.service_id ORDER BY o.month) AS before
    FROM catalog_offersnapshot o
    JOIN catalog_service sv ON sv.id = o.service_id
    WHERE o.month <= %(last)s AND sv.owner_commune_id IS NULL AND sv.retired_at IS NULL
)
SELECT greatest(month, %(start)s::date), commune_id, sum(live - before)
FROM flagged
WHERE live <> before
GROUP BY 1, 2
"""

_LIVE = """
SELECT o.service_id, o.commune_id, min(o.month)
FROM catalog_offersnapshot o
WHERE o.stage = ANY(%(stages)s)
GROUP BY 1, 2
"""


@dataclass(frozen=True)
class CommunePath:
    bfs_number: int
    name: str
    offered: list[int]  # per month
    services: int

    @property
    def shares(self) -> list[Decimal]:
        return [percent(n, self.services) or Decimal("0.0") for n in self.offered]


@dataclass(frozen=True)
class RolloutPath:
    months: list[dt.date]
    communes: list[CommunePath]
    services: int
    target: Decimal = ROLLOUT_TARGET

    @property
    def canton(self) -> list[Decimal]:
        """Canton-wide share per month: offers at form/automated of all possible ones."""
        possible = self.services * len(self.communes)
        return [
            percent(sum(c.offered[i] for c in self.communes), possible) or Decimal("0.0")
            for i in range(len(self.months))
        ]

    def reaching(self) -> list[int]:
        """Per month: how many communes reach the target."""
        counts = [0] * len(self.months)
        for commune in self.communes:
            for i, share in enumerate(commune.shares):
                counts[i] += share >= self.target
        return counts


@dataclass(frozen=True)
class GoLive:
    service_key: str
    first: dt.date
    communes: list[tuple[str, dt.date]]  # (commune name, first month at form/automated)


def rollout_path(*, start: dt.date, end: dt.date) -> RolloutPath:
    """Per active commune and month from ``start`` to the month before ``end``: how many
    catalogue services it offered at ``form`` or ``automated`` (carried forward)."""
    last = add_months(end, -1)
    months, month = [], start
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    services = catalogue_services().count()
    communes = list(Commune.objects.filter(status=Commune.Status.ACTIVE).order_by("name"))
    changes: dict[tuple[dt.date, int], int] = {}
    if months:
        with connection.cursor() as cursor:
            cursor.execute(
                _PATH, {"stages": list(ROLLOUT_STAGES), "start": months[0], "last": months[-1]}
            )
            changes = {(m, commune_id): int(n) for m, commune_id, n in cursor.fetchall()}
    return RolloutPath(
        months=months,
        communes=[
            CommunePath(c.bfs_number, c.name, _running(months, changes, c.pk), services)
            for c in communes
        ],
        services=services,
    )


def _running(months: list[dt.date], changes: dict[tuple[dt.date, int], int], pk: int) -> list[int]:
    total, counts = 0, []
    for month in months:
        total += changes.get((month, pk), 0)
        counts.append(total)
    return counts


def rollout_go_live() -> list[GoLive]:
    """Per service, when it first went live (form or automated) in which commune."""
    names = dict(Commune.objects.values_list("pk", "name"))
    keys = dict(catalogue_services().values_list("pk", "key"))
    per: dict[int, list[tuple[str, dt.date]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_LIVE, {"stages": list(ROLLOUT_STAGES)})
        for service_id, commune_id, month in cursor.fetchall():
            if service_id in keys:
                per.setdefault(service_id, []).append((names.get(commune_id, "?"), month))
    rows = [
        GoLive(keys[sid], min(m for _, m in rows), sorted(rows, key=lambda r: (r[1], r[0])))
        for sid, rows in per.items()
    ]
    return sorted(rows, key=lambda r: (r.first, r.service_key))


@dataclass(frozen=True)
class OldLinks:
    bfs_number: int
    name: str
    links: int  # offers still at stage link (the old Online-Schalter)


def old_links_per_commune() -> list[OldLinks]:
    """Per active commune: how many of its offers still point to the old Online-Schalter."""
    from django.db.models import Count, Q

    communes = (
        Commune.objects.filter(status=Commune.Status.ACTIVE)
        .annotate(links=Count("offers", filter=Q(offers__stage="link")))
        .order_by("-links", "name")
    )
    return [OldLinks(c.bfs_number, c.name, c.links) for c in communes]


def rollout_history(*, years: tuple[int, ...]) -> RolloutPath:
    """The rollout path over ``years``, up to the current month (no future months)."""
    today = dt.date.today()
    end = min(dt.date(years[-1] + 1, 1, 1), add_months(dt.date(today.year, today.month, 1), 1))
    start = dt.date(years[0], 1, 1)
    return rollout_path(start=start, end=max(end, start))
