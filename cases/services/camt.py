"""QR-bill reconciliation: book the credits of a camt.054 file on the commune's payments.

Each credit is matched by its QR reference and amount: the exact open amount pays the invoice
(``Payment`` paid, with the booking date); less is a partial payment, more an over-payment,
a paid invoice paid again a duplicate and an unknown reference unmatched: those are listed for
the clerk (``BankCredit``). A credit already imported (same bank reference) is not booked again;
the whole file is booked in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from integrations.bank.camt054 import Credit, camt054_parse
from tenants.context import in_commune
from tenants.models import Commune

from ..models import BankCredit, CaseEvent, Payment, PaymentStatus

Outcome = BankCredit.Outcome
CHUNK = 2_000


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _booked_keys(keys: list[str]) -> set[str]:
    booked: set[str] = set()
    for chunk in _chunks(keys):
        booked.update(
            BankCredit.objects.filter(entry_key__in=chunk).values_list("entry_key", flat=True)
        )
    return booked


def _payments_by_reference(references: set[str]) -> dict[str, Payment]:
    found: dict[str, Payment] = {}
    for chunk in _chunks(sorted(references)):
        query = Payment.objects.select_for_update().filter(qr_reference__in=chunk)
        found.update({p.qr_reference: p for p in query.exclude(qr_reference="")})
    return found


def _book(payment: Payment | None, credit: Credit) -> str:
    """Apply one credit to its payment (in memory); returns the outcome."""
    if payment is None:
        return Outcome.UNKNOWN
    if payment.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
        return Outcome.DUPLICATE
    payment.paid_amount = (payment.paid_amount or Decimal(0)) + credit.amount
    if payment.paid_amount < payment.amount:
        return Outcome.PARTIAL
    payment.status = PaymentStatus.PAID
    payment.paid_at = timezone.make_aware(dt.datetime.combine(credit.booking_date, dt.time(12)))
    return Outcome.MATCHED if payment.paid_amount == payment.amount else Outcome.OVERPAID


def _event(payment: Payment, credit: Credit, outcome: str) -> CaseEvent:
    texts = {
        Outcome.MATCHED: "Rechnung bezahlt am {date} (CHF {amount})",
        Outcome.OVERPAID: "Rechnung bezahlt am {date}, Überzahlung (CHF {amount})",
        Outcome.PARTIAL: "Teilzahlung am {date} (CHF {amount})",
    }
    return CaseEvent(
        case_id=payment.case_id,
        kind=f"payment_{outcome}",
        text=texts[outcome].format(
            date=credit.booking_date.strftime("%d.%m.%Y"), amount=f"{credit.amount:.2f}"
        ),
        details={"reference": credit.reference, "source": "camt054"},
        visible_to_resident=outcome != Outcome.PARTIAL,
    )


def _payments_save(payments: Iterable[Payment]) -> None:
    """Write the booked payments: one UPDATE per distinct (status, date, amount paid), as a
    bank file's credits share few of those (Django's bulk_update builds one CASE per row)."""
    groups: dict[tuple, list[int]] = {}
    for p in payments:
        groups.setdefault((p.status, p.paid_at, p.paid_amount), []).append(p.pk)
    now = timezone.now()
    for (status, paid_at, paid_amount), ids in groups.items():
        for chunk in _chunks(ids):
            Payment.objects.filter(pk__in=chunk).update(
                status=status, paid_at=paid_at, paid_amount=paid_amount, updated_at=now
            )


@transaction.atomic
def credits_book(
    *, credits: list[Credit], file_name: str = "", user: User | None = None
) -> dict[str, int]:
    """Book ``credits`` (from ``integrations.bank.camt054.camt054_parse``) in the current
    commune; returns the counts ``matched``, ``unmatched`` and ``already_booked``."""
    booked = _booked_keys([c.key for c in credits])
    payments = _payments_by_reference({c.reference for c in credits})
    counts = {"matched": 0, "unmatched": 0, "already_booked": 0}
    rows, events, changed = [], [], {}
    for credit in credits:
        if credit.key in booked:
            counts["already_booked"] += 1
            continue
        booked.add(credit.key)
        payment = payments.get(credit.reference)
        outcome = _book(payment, credit) if credit.currency == "CHF" else Outcome.UNKNOWN
        counts["matched" if outcome == Outcome.MATCHED else "unmatched"] += 1
        if outcome in (Outcome.MATCHED, Outcome.OVERPAID, Outcome.PARTIAL):
            changed[payment.pk] = payment
            events.append(_event(payment, credit, outcome))
        rows.append(
            BankCredit(
                entry_key=credit.key,
                reference=credit.reference[:35],
                amount=credit.amount,
                currency=credit.currency,
                booking_date=credit.booking_date,
                debtor=credit.debtor,
                outcome=outcome,
                payment=payment,
                file_name=file_name[:200],
                imported_by=user,
            )
        )
    BankCredit.objects.bulk_create(rows, batch_size=CHUNK)
    _payments_save(changed.values())
    CaseEvent.objects.bulk_create(events, batch_size=CHUNK)
    return counts


def camt_import(*, content: bytes, file_name: str = "", user: User | None = None) -> dict[str, int]:
    """Parse a camt.054 file and book its credits in the current commune. ``CamtError`` (German,
    naming the element) for a malformed file: then nothing is booked."""
    return credits_book(credits=camt054_parse(content), file_name=file_name, user=user)


def camt_import_canton(*, content: bytes, file_name: str = "") -> dict[str, int]:
    """The canton's import for all communes: each credit goes to the commune whose BFS number
    starts its QR reference (``integrations.adapters.qr_invoice``); others are unmatched."""
    credits = camt054_parse(content)
    by_bfs: dict[int, list[Credit]] = {}
    for credit in credits:
        bfs = int(credit.reference[:4]) if re.fullmatch(r"\d{27}", credit.reference) else 0
        by_bfs.setdefault(bfs, []).append(credit)
    communes = {c.bfs_number: c for c in Commune.objects.filter(bfs_number__in=list(by_bfs))}
    totals = {"matched": 0, "unmatched": 0, "already_booked": 0}
    for bfs, group in by_bfs.items():
        commune = communes.get(bfs)
        if commune is None:
            totals["unmatched"] += len(group)
            continue
        with in_commune(commune):
            counts = credits_book(credits=group, file_name=file_name)
        for key, value in counts.items():
            totals[key] += value
    return totals
