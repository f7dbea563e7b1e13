"""Booking the communes' contributions of a year (idempotent, corrections by reversal)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from accounts.models import User

from ..models import ContributionRate, Kind, LedgerEntry, default_booking_date
from ..selectors.contributions import ContributionLine, contributions_calculate
from ..selectors.kept import report_kept_forget_on_commit
from .errors import BillingError, MissingPopulationError
from .ledger import active_entries, canton_matching_sync, reversal_write


@dataclass(frozen=True)
class ContributionResult:
    year: int
    booked: int
    corrected: int
    reversed: int
    unchanged: int
    total_communes: Decimal
    canton_changed: bool

    @property
    def changed(self) -> bool:
        return bool(self.booked or self.corrected or self.reversed or self.canton_changed)


def _text(year: int, rate: Decimal | None, basis: int, absorbed: tuple[str, ...]) -> str:
    if rate is None:
        text = (
            f"Beitrag {year} an die Betriebskosten: Anteil nach {basis} Einwohner/innen "
            f"per 31.12.{year - 1}"
        )
    else:
        text = f"Beitrag {year}: CHF {rate} × {basis} Einwohner/innen per 31.12.{year - 1}"
    if absorbed:
        text += f" (inkl. {', '.join(absorbed)})"
    return text


def _book_line(
    *,
    line: ContributionLine,
    current: LedgerEntry | None,
    year: int,
    rate: Decimal | None,
    booked_by: User | None,
) -> str:
    """Book one commune's contribution unless ``current`` (its active entry) still matches;
    a differing entry is reversed first. Returns "unchanged", "corrected" or "booked"."""
    if (
        current is not None
        and current.amount == line.amount
        and current.population_basis == line.population_basis
        and current.rate == rate
    ):
        return "unchanged"
    if current is not None:
        reversal_write(
            current,
            text=(
                f"Storno von Buchung {current.pk}: Korrektur Beitrag {year} "
                f"(Basis {current.population_basis} → {line.population_basis})"
            ),
            booked_by=booked_by,
        )
    report_kept_forget_on_commit()
    LedgerEntry.objects.create(
        year=year,
        booking_date=default_booking_date(year),
        kind=Kind.COMMUNE_CONTRIBUTION,
        commune=line.commune,
        amount=line.amount,
        population_basis=line.population_basis,
        rate=rate,
        text=_text(year, rate, line.population_basis, line.absorbed),
        booked_by=booked_by,
    )
    return "corrected" if current is not None else "booked"


def contributions_book(*, year: int, booked_by: User | None = None) -> ContributionResult:
    """Book every commune's contribution for ``year`` and the canton's matching share.

    Idempotent: a commune whose booked contribution still matches its figure gets nothing new.
    A changed figure (or rate) books a correction: the reversal of the old entry and a new
    entry. A commune that no longer owes anything for the year has its entry reversed.
    Missing population figures raise MissingPopulationError and nothing is booked.
    """
    with transaction.atomic():
        # One booking run per year at a time: lock the year's rate.
        rate_row = (
            ContributionRate.objects.select_for_update(of=("self",)).filter(year=year).first()
        )
        plan = contributions_calculate(year=year)
        if rate_row is None and plan.communes_part is None:
            raise BillingError(
                f"Für das Jahr {year} ist kein Beitragsansatz und kein Kostenschlüssel "
                "des Betriebs erfasst."
            )
        if plan.missing:
            raise MissingPopulationError(year=year, communes=plan.missing)
        active = {
            e.commune_id: e
            for e in active_entries(year=year, kind=Kind.COMMUNE_CONTRIBUTION).select_for_update(
                of=("self",)
            )
        }
        outcomes = Counter(
            _book_line(
                line=line,
                current=active.pop(line.commune.pk, None),
                year=year,
                rate=plan.rate,
                booked_by=booked_by,
            )
            for line in plan.lines
        )
        for leftover in active.values():
            reversal_write(
                leftover,
                text=f"Storno von Buchung {leftover.pk}: Gemeinde {year} nicht beitragspflichtig",
                booked_by=booked_by,
            )
        canton_changed = canton_matching_sync(year=year, booked_by=booked_by)
    return ContributionResult(
        year=year,
        booked=outcomes["booked"],
        corrected=outcomes["corrected"],
        reversed=len(active),
        unchanged=outcomes["unchanged"],
        total_communes=plan.total,
        canton_changed=canton_changed,
    )
