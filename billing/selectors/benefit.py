"""What the money bought (cost and effect per deliverable) and usage per service and month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from ..models import ZERO, Deliverable, ExpenditureLink, LedgerEntry, UsageMonthly
from .report import percent


@dataclass(frozen=True)
class DeliverableRow:
    deliverable: Deliverable
    cost: Decimal
    cases_after: int
    share_automated_before: Decimal | None
    share_automated_after: Decimal | None


def _costs(items: list[Deliverable]) -> dict[int, Decimal]:
    """Per deliverable: the sum of its linked entries and of their reversals (each once)."""
    links: dict[int, set[int]] = {}
    for deliverable_id, entry_id in ExpenditureLink.objects.filter(
        deliverable__in=items
    ).values_list("deliverable_id", "entry_id"):
        links.setdefault(deliverable_id, set()).add(entry_id)
    linked = set().union(*links.values()) if links else set()
    entries = LedgerEntry.objects.filter(Q(pk__in=linked) | Q(reverses_id__in=linked))
    amounts, reversals = {}, {}
    for pk, reverses_id, amount in entries.values_list("pk", "reverses_id", "amount"):
        amounts[pk] = amount
        if reverses_id in linked:
            reversals.setdefault(reverses_id, set()).add(pk)
    costs = {}
    for deliverable_id, ids in links.items():
        counted = ids | {r for pk in ids for r in reversals.get(pk, ())}
        costs[deliverable_id] = sum((amounts.get(pk, ZERO) for pk in counted), ZERO)
    return costs


def _monthly(keys: set[str]) -> dict[str, list[tuple[dt.date, int, int, int]]]:
    """Per service: (month, digital cases, completed, automated), one query for all."""
    per: dict[str, list[tuple[dt.date, int, int, int]]] = {}
    sums = (
        UsageMonthly.objects.filter(service_key__in=keys)
        .values("service_key", "month")
        .annotate(
            cases=Sum("digital_cases"), done=Sum("completed_cases"), auto=Sum("automated_cases")
        )
        .order_by()
    )
    for r in sums:
        per.setdefault(r["service_key"], []).append(
            (r["month"], r["cases"] or 0, r["done"] or 0, r["auto"] or 0)
        )
    return per


def deliverables_report() -> list[DeliverableRow]:
    """Per deliverable: the net cost of its linked expenditures (reversals included) and, for
    a service, its digital cases since delivery and the share automated before and after."""
    items = list(Deliverable.objects.order_by("delivered_on", "id"))
    costs = _costs(items)
    usage = _monthly({item.service_key for item in items if item.service_key})
    rows = []
    for item in items:
        month = dt.date(item.delivered_on.year, item.delivered_on.month, 1)
        before, after = [0, 0, 0], [0, 0, 0]
        for m, cases, done, auto in usage.get(item.service_key, []):
            target = before if m < month else after
            target[0] += cases
            target[1] += done
            target[2] += auto
        rows.append(
            DeliverableRow(
                deliverable=item,
                cost=costs.get(item.pk, ZERO),
                cases_after=after[0],
                share_automated_before=percent(before[2], before[1]),
                share_automated_after=percent(after[2], after[1]),
            )
        )
    return rows


@dataclass(frozen=True)
class UsageRow:
    service_key: str
    month: dt.date
    orders: int  # all orders: digital plus recorded by the administration
    digital: int  # placed online by the resident
    completed: int
    automated: int

    @property
    def share_digital(self) -> Decimal | None:
        """Share of the orders the resident placed online (not recorded by a clerk)."""
        return percent(self.digital, self.orders)

    @property
    def share_automated(self) -> Decimal | None:
        return percent(self.automated, self.completed)


def usage_by_service(*, start: dt.date, end: dt.date) -> list[UsageRow]:
    """Orders per service and month (all communes): all orders, those placed online, completed
    and completed fully automated."""
    sums = (
        UsageMonthly.objects.filter(month__gte=start, month__lt=end)
        .values("service_key", "month")
        .annotate(
            digital=Sum("digital_cases"),
            recorded=Sum("recorded_cases"),
            done=Sum("completed_cases"),
            auto=Sum("automated_cases"),
        )
        .order_by("service_key", "month")
    )
    return [
        UsageRow(
            r["service_key"],
            r["month"],
            (r["digital"] or 0) + (r["recorded"] or 0),
            r["digital"] or 0,
            r["done"] or 0,
            r["auto"] or 0,
        )
        for r in sums
    ]


USAGE_HEADERS = (
    _("Leistung"),
    _("Monat"),
    _("Bestellungen"),
    _("davon online"),
    _("Anteil digital %"),
    _("abgeschlossen"),
    _("Anteil automatisiert %"),
)


def usage_table(rows: list[UsageRow]) -> list[list]:
    """The usage rows as a table (the CSV and the page show the same columns)."""
    return [
        [
            r.service_key,
            f"{r.month:%Y-%m}",
            r.orders,
            r.digital,
            r.share_digital,
            r.completed,
            r.share_automated,
        ]
        for r in rows
    ]
