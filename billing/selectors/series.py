"""The ledger over time: monthly or quarterly series per category and in total.

One aggregate query (sums per month of booking date, kind and category) feeds every series;
cumulative figures start at the programme's first booking, not at ``start``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from ..models import INCOME_KINDS, ZERO, Category, Kind, LedgerEntry

MONTH = "month"
QUARTER = "quarter"
TOTAL = "total"
MAX_MONTHS = 600  # fifty years: far beyond any programme, small enough to answer quickly


@dataclass(frozen=True)
class Period:
    key: str  # "2026-01" or "2026-Q1"
    start: dt.date
    end: dt.date  # first day of the next period

    @property
    def label(self) -> str:
        return self.key


@dataclass(frozen=True)
class Point:
    period: Period
    budget: Decimal
    spent: Decimal
    income: Decimal | None  # income belongs to no category: None except for the total
    cumulative_spent: Decimal
    cumulative_budget: Decimal
    cumulative_income: Decimal | None

    @property
    def remaining(self) -> Decimal:
        """Cumulative budget not yet spent (for the Reserve category: the reserve)."""
        return self.cumulative_budget - self.cumulative_spent


@dataclass(frozen=True)
class CategorySeries:
    key: str
    label: str
    points: list[Point]

    def sum(self, name: str) -> Decimal:
        return sum((getattr(p, name) or ZERO for p in self.points), ZERO)


@dataclass(frozen=True)
class ProgrammeSeries:
    by: str
    start: dt.date
    end: dt.date  # first day after the last month
    categories: list[CategorySeries]
    total: CategorySeries

    @property
    def periods(self) -> list[Period]:
        return [p.period for p in self.total.points]

    @property
    def reserve(self) -> CategorySeries:
        return next(c for c in self.categories if c.key == Category.RESERVE)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _periods(start: dt.date, end: dt.date, by: str) -> list[Period]:
    if by == QUARTER:
        start = dt.date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
        step = 3
    else:
        step = 1
    periods, day = [], start
    while day < end:
        nxt = add_months(day, step)
        key = f"{day.year}-Q{(day.month - 1) // 3 + 1}" if by == QUARTER else f"{day:%Y-%m}"
        periods.append(Period(key, day, nxt))
        day = nxt
    return periods


def _monthly_sums(end: dt.date) -> list[dict]:
    return list(
        LedgerEntry.objects.filter(booking_date__lt=end)
        .annotate(month=TruncMonth("booking_date"))
        .values("month", "kind", "category")
        .annotate(total=Sum("amount"))
        .order_by()
    )


def _bucket(kind: str) -> str | None:
    if kind == Kind.BUDGET:
        return "budget"
    if kind == Kind.EXPENDITURE:
        return "spent"
    return "income" if kind in INCOME_KINDS else None


def _series(key: str, label: str, periods: list[Period], rows: list[dict]) -> CategorySeries:
    """Sums of ``rows`` (month, bucket, total) per period, with running totals from the start."""
    is_total = key == TOTAL
    before = {"budget": ZERO, "spent": ZERO, "income": ZERO}
    per: list[dict[str, Decimal]] = [dict.fromkeys(before, ZERO) for _ in periods]
    first = periods[0].start if periods else None
    for month, bucket, total in rows:
        if first is not None and month < first:
            before[bucket] += total
            continue
        for index, period in enumerate(periods):
            if period.start <= month < period.end:
                per[index][bucket] += total
                break
    points, running = [], dict(before)
    for period, sums in zip(periods, per, strict=True):
        for name in running:
            running[name] += sums[name]
        points.append(
            Point(
                period=period,
                budget=sums["budget"],
                spent=sums["spent"],
                income=sums["income"] if is_total else None,
                cumulative_spent=running["spent"],
                cumulative_budget=running["budget"],
                cumulative_income=running["income"] if is_total else None,
            )
        )
    return CategorySeries(key, label, points)


def series_build(*, start: dt.date, end: dt.date, by: str = MONTH) -> ProgrammeSeries:
    """Budget, spending and income per period from ``start`` (first day of a month) up to the
    month before ``end`` (exclusive), per category and in total, by booking date.

    ``by="quarter"`` widens ``start`` to the beginning of its quarter. Cumulative figures count
    every booking since the programme began.
    """
    if by not in (MONTH, QUARTER):
        raise ValueError("by must be 'month' or 'quarter'")
    periods = _periods(start, end, by)
    per_category: dict[str, list] = {key: [] for key in Category.values}
    totals: list = []
    for row in _monthly_sums(end):
        bucket = _bucket(row["kind"])
        if bucket is None:
            continue
        item = (row["month"], bucket, row["total"] or ZERO)
        totals.append(item)
        if row["category"] in per_category:
            per_category[row["category"]].append(item)
    categories = [
        _series(key, str(label), periods, per_category[key]) for key, label in Category.choices
    ]
    return ProgrammeSeries(
        by=by,
        start=periods[0].start if periods else start,
        end=end,
        categories=categories,
        total=_series(TOTAL, "Total", periods, totals),
    )


def series_for_years(*, years: tuple[int, ...], by: str = MONTH) -> ProgrammeSeries:
    """The series over whole programme years (January of the first to December of the last)."""
    return series_build(start=dt.date(years[0], 1, 1), end=dt.date(years[-1] + 1, 1, 1), by=by)
