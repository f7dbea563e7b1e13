"""Bookings on the append-only ledger: manual entries, reversals, the canton's matching share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Sum

from accounts.models import User

from ..models import ZERO, Category, Kind, LedgerEntry, default_booking_date
from ..selectors.kept import report_kept_forget_on_commit
from ..selectors.years import is_operations, programme_year, programme_years, years_message
from .errors import BillingError

# Kinds the cantonal office books by hand; contributions and the canton's cash share follow
# from the population figures (contributions_book, canton_matching_sync).
MANUAL_KINDS = (Kind.EXPENDITURE, Kind.BUDGET, Kind.CANTON_IN_KIND)
MAX_AMOUNT = Decimal("9999999999.99")


def _validate_amount(amount) -> Decimal:
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise BillingError({"amount": "Der Betrag ist keine Zahl."}) from None
    if not value.is_finite():
        raise BillingError({"amount": "Der Betrag ist keine Zahl."})
    if value <= 0:
        raise BillingError({"amount": "Der Betrag muss grösser als 0 sein."})
    if value != value.quantize(Decimal("0.01")):
        raise BillingError({"amount": "Der Betrag darf höchstens zwei Nachkommastellen haben."})
    if value > MAX_AMOUNT:
        raise BillingError({"amount": "Der Betrag ist zu gross."})
    return value.quantize(Decimal("0.01"))


def _booking_date_error(year: int, booking_date: dt.date | None) -> str | None:
    if booking_date is None or not isinstance(year, int):
        return None
    if booking_date.year != year:
        return f"Das Buchungsdatum muss im Jahr {year} liegen."
    return None


def ledger_entry_validate(
    *,
    year: int,
    kind: str,
    amount,
    category: str = "",
    text: str = "",
    booking_date: dt.date | None = None,
) -> Decimal:
    """Check a manual booking; raises BillingError (by field) and returns the amount."""
    errors: dict[str, str] = {}
    if kind not in MANUAL_KINDS:
        errors["kind"] = (
            "Von Hand gebucht werden nur Ausgaben, Budgets und Sachleistungen des Kantons; "
            "Beiträge folgen aus den Bevölkerungszahlen."
        )
    years = programme_years()
    if year not in years:
        errors["year"] = years_message(years)
    date_error = _booking_date_error(year, booking_date)
    if date_error:
        errors["booking_date"] = date_error
    if kind in (Kind.EXPENDITURE, Kind.BUDGET):
        if category not in Category.values:
            errors["category"] = "Bitte eine der sechs Kategorien wählen."
    elif category:
        errors["category"] = "Eine Kategorie gibt es nur für Ausgaben und Budgets."
    if not (text or "").strip():
        errors["text"] = "Bitte einen Buchungstext angeben."
    try:
        value = _validate_amount(amount)
    except BillingError as exc:
        errors.update({k: v[0].message for k, v in exc.error_dict.items()})
        value = ZERO
    if errors:
        raise BillingError(errors)
    return value


@transaction.atomic
def ledger_entry_book(
    *,
    year: int,
    kind: str,
    amount: Decimal,
    text: str,
    booked_by: User,
    category: str = "",
    document_ref: str = "",
    booking_date: dt.date | None = None,
) -> LedgerEntry:
    """Book an expenditure, a budget or a cantonal contribution in kind.

    ``booking_date`` (the day the money moved) must lie in ``year``; without it, today or the
    nearest day of that year. A contribution in kind counts towards the canton's matching
    share, so the canton's cash share of that year is brought in line (reversal + new entry)
    in the same transaction.
    """
    value = ledger_entry_validate(
        year=year,
        kind=kind,
        amount=amount,
        category=category,
        text=text,
        booking_date=booking_date,
    )
    entry = LedgerEntry.objects.create(
        year=year,
        booking_date=booking_date or default_booking_date(year),
        kind=kind,
        category=category,
        amount=value,
        text=text.strip(),
        document_ref=(document_ref or "").strip(),
        booked_by=booked_by,
    )
    if kind == Kind.CANTON_IN_KIND:
        canton_matching_sync(year=year, booked_by=booked_by)
    report_kept_forget_on_commit()
    return entry


def reversal_write(entry: LedgerEntry, *, text: str, booked_by: User | None) -> LedgerEntry:
    """Write the entry that reverses ``entry`` (same year, kind, commune, category; negated
    amount), without the checks of ``ledger_entry_reverse``: for the billing services that
    decided already (a checked reversal, contributions and the canton's share recomputed).
    ``BillingError`` if ``entry`` is reversed already."""
    report_kept_forget_on_commit()
    try:
        with transaction.atomic():
            return LedgerEntry.objects.create(
                year=entry.year,
                booking_date=default_booking_date(entry.year),
                kind=entry.kind,
                commune_id=entry.commune_id,
                category=entry.category,
                amount=-entry.amount,
                text=text[:300],
                document_ref=entry.document_ref,
                population_basis=entry.population_basis,
                rate=entry.rate,
                reverses=entry,
                booked_by=booked_by,
            )
    except IntegrityError:
        raise BillingError(f"Die Buchung {entry.pk} ist bereits storniert.") from None


@transaction.atomic
def ledger_entry_reverse(*, entry: LedgerEntry, booked_by: User, reason: str = "") -> LedgerEntry:
    """Book the reversal of an entry (negated amount, pointing at it); at most once per entry.

    A reversal cannot itself be reversed (book the entry anew instead), and the canton's cash
    share cannot be reversed by hand: it always follows the communes' contributions.
    """
    entry = LedgerEntry.objects.select_for_update(of=("self",)).get(pk=entry.pk)
    if entry.reverses_id is not None:
        raise BillingError(
            f"Die Buchung {entry.pk} ist selbst eine Stornobuchung und kann nicht storniert werden."
        )
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise BillingError(f"Die Buchung {entry.pk} ist bereits storniert.")
    if entry.kind == Kind.CANTON_CASH:
        raise BillingError(
            "Der Geldbeitrag des Kantons folgt aus den Gemeindebeiträgen und wird bei jeder "
            "Beitragsbuchung automatisch nachgeführt."
        )
    text = f"Storno von Buchung {entry.pk}: {entry.text}"
    if reason.strip():
        text = f"{text} – Grund: {reason.strip()}"
    reversal = reversal_write(entry, text=text, booked_by=booked_by)
    if entry.kind in (Kind.COMMUNE_CONTRIBUTION, Kind.CANTON_IN_KIND):
        canton_matching_sync(year=entry.year, booked_by=booked_by)
    return reversal


def _net(year: int, kind: str) -> Decimal:
    total = LedgerEntry.objects.filter(year=year, kind=kind).aggregate(s=Sum("amount"))["s"]
    return total or ZERO


def active_entries(*, year: int, kind: str):
    """Entries of a year and kind that are neither reversals nor reversed."""
    return LedgerEntry.objects.filter(
        year=year, kind=kind, reverses__isnull=True, reversed_by__isnull=True
    )


def canton_share(*, year: int) -> Decimal:
    """What the canton owes for ``year`` before its contributions in kind.

    Realisation: as much as the communes together. Operations: the operating costs times the
    canton's key (``ProgrammeYear``).
    """
    rule = programme_year(year)
    if is_operations(rule):
        costs = rule.operating_costs or ZERO
        share = rule.canton_share_percent or ZERO
        return (costs * share / 100).quantize(Decimal("0.01"))
    return _net(year, Kind.COMMUNE_CONTRIBUTION)


def canton_matching_sync(*, year: int, booked_by: User | None) -> bool:
    """Bring the canton's cash share in line: its share (``canton_share``) minus its in-kind
    share. Returns True when something was booked. Call inside a transaction.
    """
    communes_total = _net(year, Kind.COMMUNE_CONTRIBUTION)
    target = max(canton_share(year=year) - _net(year, Kind.CANTON_IN_KIND), ZERO)
    current = (
        active_entries(year=year, kind=Kind.CANTON_CASH).select_for_update(of=("self",)).first()
    )
    if (current.amount if current else ZERO) == target:
        return False
    if current is not None:
        reversal_write(
            current,
            text=f"Storno von Buchung {current.pk}: Gegenleistung Kanton neu berechnet",
            booked_by=booked_by,
        )
    report_kept_forget_on_commit()
    if target > 0:
        LedgerEntry.objects.create(
            year=year,
            booking_date=default_booking_date(year),
            kind=Kind.CANTON_CASH,
            amount=target,
            text=(
                f"Gegenleistung Kanton {year}: Summe der Gemeindebeiträge CHF {communes_total} "
                f"abzüglich Sachleistungen"
            ),
            booked_by=booked_by,
        )
    return True
