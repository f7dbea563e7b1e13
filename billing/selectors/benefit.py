"""What the money bought (cost and effect per deliverable) and usage per service and month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from ..models import ZERO, Deliverable, LedgerEntry, UsageMonthly
from .report import percent


@dataclass(frozen=True)
class DeliverableRow:
    deliverable: Deliverable
    cost: Decimal
    cases_after: int
    share_automated_before: Decimal | None
    share_automated_after: Decimal | None


def _usage(service_key: str, q: Q) -> tuple[int, int, int]:
    sums = UsageMonthly.objects.filter(q, service_key=service_key).aggregate(
        cases=Sum("digital_cases"), done=Sum("completed_cases"), auto=Sum("automated_cases")
    )
    return sums["cases"] or 0, sums["done"] or 0, sums["auto"] or 0


def deliverables_report() -> list[DeliverableRow]:
    """Per deliverable: the net cost of its linked expenditures (reversals included) and, for
    a service, its digital cases since delivery and the share automated before and after."""
    rows = []
    for item in Deliverable.objects.order_by("delivered_on", "id"):
        entry_ids = list(item.links.values_list("entry_id", flat=True))
        cost = (
            LedgerEntry.objects.filter(
                Q(pk__in=entry_ids) | Q(reverses_id__in=entry_ids)
            ).aggregate(s=Sum("amount"))["s"]
            or ZERO
        )
        month = dt.date(item.delivered_on.year, item.delivered_on.month, 1)
        before = after = (0, 0, 0)
        if item.service_key:
            before = _usage(item.service_key, Q(month__lt=month))
            after = _usage(item.service_key, Q(month__gte=month))
        rows.append(
            DeliverableRow(
                deliverable=item,
                cost=cost,
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
