"""The communes' contributions of a year: as calculated from the figures, and as booked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from tenants.models import Commune, PopulationFigure
from tenants.selectors import german_name_order

from ..models import ZERO, ContributionRate, Kind, LedgerEntry
from .years import is_operations, programme_year

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ContributionLine:
    commune: Commune
    population_basis: int
    amount: Decimal
    # Communes merged into this one before the year whose own figure was added to the basis.
    absorbed: tuple[str, ...] = ()


@dataclass
class ContributionPlan:
    year: int
    rate: Decimal | None
    lines: list[ContributionLine] = field(default_factory=list)
    missing: list[Commune] = field(default_factory=list)
    # Operations years: the communes' part of the operating costs, split by population.
    communes_part: Decimal | None = None
    canton_part: Decimal | None = None

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def complete(self) -> bool:
        return (self.rate is not None or self.communes_part is not None) and not self.missing


def operations_parts(year: int) -> tuple[Decimal, Decimal] | None:
    """(communes' part, canton's part) of an operations year's costs by the canton's key;
    None for a realisation year or a year outside the programme."""
    rule = programme_year(year)
    if not is_operations(rule) or rule.operating_costs is None:
        return None
    canton = (rule.operating_costs * (rule.canton_share_percent or ZERO) / 100).quantize(CENT)
    return rule.operating_costs - canton, canton


def _split_by_population(plan: ContributionPlan) -> None:
    """Operations: each commune pays its population's share of the communes' part."""
    total_basis = sum(line.population_basis for line in plan.lines)
    if not total_basis or plan.communes_part is None:
        return
    plan.lines = [
        ContributionLine(
            commune=line.commune,
            population_basis=line.population_basis,
            amount=(plan.communes_part * line.population_basis / total_basis).quantize(
                CENT, rounding=ROUND_HALF_UP
            ),
            absorbed=line.absorbed,
        )
        for line in plan.lines
    ]


def rate_for_year(year: int) -> Decimal | None:
    """The Fünfliber rate (CHF per resident) of a year, or None when none is stored."""
    rate = ContributionRate.objects.filter(year=year).values_list("rate", flat=True).first()
    return rate


def _exists_in(commune: Commune, start: dt.date, end: dt.date) -> bool:
    return (commune.valid_from is None or commune.valid_from <= end) and (
        commune.valid_to is None or commune.valid_to >= start
    )


def contributions_calculate(*, year: int) -> ContributionPlan:
    """What each commune owes for ``year``: the year's rate × population at 31.12. of year−1.

    A commune whose validity ended before 1 January of the year was absorbed: its own figure
    at 31.12. of year−1, where one exists separately, counts for the absorbing commune (followed
    through chains of mergers). Communes existing in the year without a figure are ``missing``.
    """
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rate = rate_for_year(year)
    communes = list(Commune.objects.order_by(german_name_order()))
    by_id = {c.pk: c for c in communes}
    figures = dict(
        PopulationFigure.objects.filter(year=year - 1).values_list("commune_id", "residents")
    )
    payers = [c for c in communes if _exists_in(c, start, end)]
    payer_ids = {c.pk for c in payers}
    extra: dict[int, int] = {}
    absorbed_names: dict[int, list[str]] = {}
    for commune in communes:
        if commune.pk in payer_ids or commune.valid_to is None or commune.valid_to >= start:
            continue
        target, seen = commune.merged_into_id, set()
        while target is not None and target not in payer_ids and target not in seen:
            seen.add(target)
            target = by_id[target].merged_into_id
        if target in payer_ids and commune.pk in figures:
            extra[target] = extra.get(target, 0) + figures[commune.pk]
            absorbed_names.setdefault(target, []).append(commune.name)

    parts = operations_parts(year) if rate is None else None
    plan = ContributionPlan(
        year=year,
        rate=rate,
        communes_part=parts[0] if parts else None,
        canton_part=parts[1] if parts else None,
    )
    for commune in payers:
        if commune.pk not in figures:
            plan.missing.append(commune)
            continue
        basis = figures[commune.pk] + extra.get(commune.pk, 0)
        amount = (rate * basis).quantize(CENT, rounding=ROUND_HALF_UP) if rate else ZERO
        plan.lines.append(
            ContributionLine(
                commune=commune,
                population_basis=basis,
                amount=amount,
                absorbed=tuple(absorbed_names.get(commune.pk, ())),
            )
        )
    if plan.communes_part is not None and not plan.missing:
        _split_by_population(plan)
    return plan


@dataclass(frozen=True)
class BookedLine:
    commune: Commune
    population_basis: int | None
    amount: Decimal


@dataclass
class BookedContributions:
    year: int
    rate: Decimal | None
    lines: list[BookedLine]
    total_communes: Decimal
    total_canton: Decimal

    @property
    def booked(self) -> bool:
        return bool(self.lines)


def contributions_booked(*, year: int) -> BookedContributions:
    """The contributions of ``year`` as they stand in the ledger (net of reversals)."""
    net = dict(
        LedgerEntry.objects.filter(year=year, kind=Kind.COMMUNE_CONTRIBUTION)
        .values("commune_id")
        .annotate(total=Sum("amount"))
        .values_list("commune_id", "total")
    )
    active = list(
        LedgerEntry.objects.filter(
            year=year,
            kind=Kind.COMMUNE_CONTRIBUTION,
            reverses__isnull=True,
            reversed_by__isnull=True,
        ).values_list("commune_id", "population_basis", "rate")
    )
    basis = {commune_id: population for commune_id, population, _ in active}
    # The rate the booked entries were calculated with (the table may have changed since).
    booked_rates = {rate for _, _, rate in active}
    communes = Commune.objects.filter(pk__in=net).order_by(german_name_order())
    lines = [
        BookedLine(commune=c, population_basis=basis.get(c.pk), amount=net[c.pk])
        for c in communes
        if net[c.pk] != 0 or c.pk in basis
    ]
    canton = LedgerEntry.objects.filter(
        year=year, kind__in=[Kind.CANTON_CASH, Kind.CANTON_IN_KIND]
    ).aggregate(s=Sum("amount"))["s"]
    return BookedContributions(
        year=year,
        rate=booked_rates.pop() if len(booked_rates) == 1 else rate_for_year(year),
        lines=lines,
        total_communes=sum((line.amount for line in lines), ZERO),
        total_canton=canton or ZERO,
    )


@dataclass(frozen=True)
class ContributionsOverview:
    """The contributions of a year as the programme shows them: booked, or a preview."""

    year: int
    booked: bool
    rate: Decimal | None
    lines: list[BookedLine] | list[ContributionLine]
    total_communes: Decimal
    total_canton: Decimal
    missing: list[Commune]


def contributions_overview(*, year: int) -> ContributionsOverview:
    """Booked contributions of ``year``; while nothing is booked, the calculation as a preview
    (no lines at all while a population figure is missing, those communes in ``missing``)."""
    booked = contributions_booked(year=year)
    if booked.booked:
        return ContributionsOverview(
            year=year,
            booked=True,
            rate=booked.rate,
            lines=booked.lines,
            total_communes=booked.total_communes,
            total_canton=booked.total_canton,
            missing=[],
        )
    plan = contributions_calculate(year=year)
    lines = plan.lines if plan.complete else []
    total = sum((line.amount for line in lines), Decimal("0.00"))
    return ContributionsOverview(
        year=year,
        booked=False,
        rate=plan.rate,
        lines=lines,
        total_communes=total,
        total_canton=plan.canton_part if plan.canton_part is not None else total,
        missing=list(plan.missing),
    )
