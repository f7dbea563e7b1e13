"""The cost-transparency and benefit report: for one programme year or 2021–2024 together.

All figures come from a handful of aggregate queries (ledger sums, monthly usage counters,
the public offer index), so the report stays fast whatever the number of cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy

from catalog.models import Service
from tenants.models import Commune
from tenants.selectors import german_name_order

from ..models import ZERO, Category, Kind, LedgerEntry, UsageMonthly
from .series import MONTH, QUARTER, ProgrammeSeries, series_for_years
from .years import programme_years, years_message

ROLLOUT_TARGET = Decimal("80")
ROLLOUT_STAGES = ("form", "automated")
INCOME_SOURCES = (
    (Kind.COMMUNE_CONTRIBUTION, gettext_lazy("Beiträge der Gemeinden")),
    (Kind.CANTON_CASH, gettext_lazy("Beitrag des Kantons (Geld)")),
    (Kind.CANTON_IN_KIND, gettext_lazy("Beitrag des Kantons (Sachleistungen)")),
)


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part / whole in percent with one decimal, or None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass(frozen=True)
class IncomeRow:
    key: str
    label: str
    amount: Decimal


@dataclass(frozen=True)
class CategoryRow:
    key: str
    label: str
    budget: Decimal
    spent: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.spent

    @property
    def share_spent(self) -> Decimal | None:
        return percent(self.spent, self.budget)


@dataclass
class Finance:
    income: list[IncomeRow]
    categories: list[CategoryRow]

    @property
    def income_total(self) -> Decimal:
        return sum((r.amount for r in self.income), ZERO)

    @property
    def budget_total(self) -> Decimal:
        return sum((r.budget for r in self.categories), ZERO)

    @property
    def expenditure_total(self) -> Decimal:
        return sum((r.spent for r in self.categories), ZERO)

    @property
    def balance(self) -> Decimal:
        """Income minus expenditure: the money still available."""
        return self.income_total - self.expenditure_total

    @property
    def unbudgeted(self) -> Decimal:
        """Income not yet allocated to a budget."""
        return self.income_total - self.budget_total

    @property
    def reserve(self) -> Decimal:
        """The Reserve category's budget not yet spent."""
        row = next(r for r in self.categories if r.key == Category.RESERVE)
        return row.remaining


@dataclass(frozen=True)
class CommuneRow:
    bfs_number: int
    name: str
    district: str
    contribution: Decimal
    digital_cases: int
    completed_cases: int
    automated_cases: int
    outside_office_hours: int
    processing_seconds: int

    @property
    def share_automated(self) -> Decimal | None:
        """Share of completed cases that ran fully automated."""
        return percent(self.automated_cases, self.completed_cases)

    @property
    def share_outside_office_hours(self) -> Decimal | None:
        return percent(self.outside_office_hours, self.digital_cases)

    @property
    def contribution_per_case(self) -> Decimal | None:
        if not self.digital_cases:
            return None
        return money(self.contribution / self.digital_cases)

    @property
    def average_processing_hours(self) -> Decimal | None:
        if not self.completed_cases:
            return None
        return (Decimal(self.processing_seconds) / self.completed_cases / 3600).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )


@dataclass(frozen=True)
class RolloutRow:
    bfs_number: int
    name: str
    offered: int
    services: int

    @property
    def share(self) -> Decimal:
        return percent(self.offered, self.services) or Decimal("0.0")

    @property
    def target_reached(self) -> bool:
        return self.services > 0 and self.share >= ROLLOUT_TARGET


@dataclass(frozen=True)
class YearRow:
    year: int
    income: Decimal
    budget: Decimal
    expenditure: Decimal

    @property
    def balance(self) -> Decimal:
        return self.income - self.expenditure


@dataclass
class Report:
    year: int | None
    years: tuple[int, ...]
    finance: Finance
    communes: list[CommuneRow]
    rollout: list[RolloutRow]
    services_total: int
    by_year: list[YearRow] = field(default_factory=list)
    generated_at: dt.datetime | None = None
    rollout_target: Decimal = ROLLOUT_TARGET
    series: ProgrammeSeries | None = None
    all_years: tuple[int, ...] = ()

    @property
    def title(self) -> str:
        if self.year:
            return f"Digitalisierungsfünfliber {self.year}"
        return f"Digitalisierungsfünfliber {self.years[0]}–{self.years[-1]}"

    @property
    def total(self) -> CommuneRow:
        def add(name: str) -> int | Decimal:
            return sum(getattr(r, name) for r in self.communes)

        return CommuneRow(
            bfs_number=0,
            name="Total",
            district="",
            contribution=add("contribution") or ZERO,
            digital_cases=add("digital_cases"),
            completed_cases=add("completed_cases"),
            automated_cases=add("automated_cases"),
            outside_office_hours=add("outside_office_hours"),
            processing_seconds=add("processing_seconds"),
        )

    @property
    def rollout_reached(self) -> int:
        return sum(1 for r in self.rollout if r.target_reached)


def _finance(years: tuple[int, ...]) -> tuple[Finance, list[YearRow]]:
    sums = (
        LedgerEntry.objects.filter(year__in=years)
        .values("year", "kind", "category")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    income: dict[str, Decimal] = {}
    budget: dict[str, Decimal] = {}
    spent: dict[str, Decimal] = {}
    per_year: dict[int, dict[str, Decimal]] = {y: {} for y in years}
    for row in sums:
        kind, total = row["kind"], row["total"] or ZERO
        if kind == Kind.BUDGET:
            budget[row["category"]] = budget.get(row["category"], ZERO) + total
            bucket = "budget"
        elif kind == Kind.EXPENDITURE:
            spent[row["category"]] = spent.get(row["category"], ZERO) + total
            bucket = "expenditure"
        else:
            income[kind] = income.get(kind, ZERO) + total
            bucket = "income"
        per_year[row["year"]][bucket] = per_year[row["year"]].get(bucket, ZERO) + total
    finance = Finance(
        income=[IncomeRow(k, str(label), income.get(k, ZERO)) for k, label in INCOME_SOURCES],
        categories=[
            CategoryRow(key, str(label), budget.get(key, ZERO), spent.get(key, ZERO))
            for key, label in Category.choices
        ],
    )
    by_year = [
        YearRow(
            year=y,
            income=per_year[y].get("income", ZERO),
            budget=per_year[y].get("budget", ZERO),
            expenditure=per_year[y].get("expenditure", ZERO),
        )
        for y in years
    ]
    return finance, by_year


def _communes(years: tuple[int, ...]) -> list[CommuneRow]:
    start, end = dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)
    communes = [
        c
        for c in Commune.objects.order_by(german_name_order())
        if (c.valid_from is None or c.valid_from <= end)
        and (c.valid_to is None or c.valid_to >= start)
    ]
    contributions = dict(
        LedgerEntry.objects.filter(year__in=years, kind=Kind.COMMUNE_CONTRIBUTION)
        .values("commune_id")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("commune_id", "total")
    )
    usage = {
        row["commune_bfs"]: row
        for row in UsageMonthly.objects.filter(month__gte=start, month__lte=end)
        .values("commune_bfs")
        .annotate(
            digital=Sum("digital_cases"),
            completed=Sum("completed_cases"),
            automated=Sum("automated_cases"),
            outside=Sum("outside_office_hours"),
            seconds=Sum("processing_seconds"),
        )
        .order_by()
    }
    rows = []
    for c in communes:
        u = usage.get(c.bfs_number, {})
        rows.append(
            CommuneRow(
                bfs_number=c.bfs_number,
                name=c.name,
                district=c.district,
                contribution=contributions.get(c.pk) or ZERO,
                digital_cases=u.get("digital") or 0,
                completed_cases=u.get("completed") or 0,
                automated_cases=u.get("automated") or 0,
                outside_office_hours=u.get("outside") or 0,
                processing_seconds=u.get("seconds") or 0,
            )
        )
    return rows


def catalogue_services():
    """The cantonal catalogue the 80 % target counts: not retired, not a commune's own."""
    return Service.objects.filter(retired_at__isnull=True, owner_commune__isnull=True)


def _rollout() -> tuple[list[RolloutRow], int]:
    services = catalogue_services().count()
    communes = (
        Commune.objects.filter(status=Commune.Status.ACTIVE)
        .annotate(
            offered=Count(
                "offers",
                filter=Q(
                    offers__stage__in=ROLLOUT_STAGES,
                    offers__service__retired_at__isnull=True,
                    offers__service__owner_commune__isnull=True,
                ),
            )
        )
        .order_by(german_name_order())
    )
    rows = [RolloutRow(c.bfs_number, c.name, c.offered, services) for c in communes]
    return rows, services


def report_build(*, year: int | None = None) -> Report:
    """The report for one programme year, or for the whole programme when ``year`` is None.

    The rollout table is the current state of the offer index; its history is
    ``billing.selectors.rollout``. The series are monthly for a year, quarterly otherwise.
    """
    all_years = programme_years()
    if year is not None and year not in all_years:
        raise ValueError(years_message(all_years))
    if not all_years:
        raise ValueError(years_message(all_years))
    years = (year,) if year else all_years
    finance, by_year = _finance(years)
    rollout, services = _rollout()
    return Report(
        year=year,
        years=years,
        finance=finance,
        communes=_communes(years),
        rollout=rollout,
        services_total=services,
        by_year=by_year if year is None else [],
        generated_at=dt.datetime.now(dt.UTC),
        series=series_for_years(years=years, by=MONTH if year else QUARTER),
        all_years=all_years,
    )
