"""The case's fee as a ``Payment`` row, for submission and the invoice step (below the
services, so that step handlers can record an invoice's reference; re-exported by
``cases.services``)."""

from __future__ import annotations

from ..models import Case, Payment, PaymentMethod


def payment_open(*, case: Case, new_case: bool = False) -> Payment | None:
    """The case's payment, created (open) if the case has a fee; its method from the service
    version (``payment_mode``). None for a case without fee.

    ``new_case``: the case was inserted in the current transaction, so it has no payment yet
    and one INSERT opens it (no lookup, no savepoint).
    """
    has_fee = bool(case.fee) and case.fee > 0
    if new_case:
        payment = payment_new(case=case)
        if payment is not None:
            payment.save(force_insert=True)
        return payment
    existing = Payment.objects.filter(case=case).first()
    if existing is not None or not has_fee:
        return existing
    payment, _created = Payment.objects.get_or_create(case=case, defaults=_payment_terms(case))
    return payment


def payment_new(*, case: Case) -> Payment | None:
    """The open payment of a case created in this transaction, not yet saved (for a batch);
    None for a case without fee."""
    if not case.fee or case.fee <= 0:
        return None
    return Payment(case=case, **_payment_terms(case))


def _payment_terms(case: Case) -> dict:
    mode = getattr(case.version, "payment_mode", PaymentMethod.QR_BILL)
    return {
        "amount": case.fee,
        "method": PaymentMethod.ONLINE if mode == "online" else PaymentMethod.QR_BILL,
    }


def payment_invoice_record(*, case: Case, qr_reference: str) -> Payment | None:
    """Remember the QR reference of the case's invoice (credits are matched by it)."""
    payment = payment_open(case=case)
    if payment is not None and payment.qr_reference != qr_reference:
        payment.qr_reference = qr_reference
        payment.save(update_fields=["qr_reference", "updated_at"])
    return payment
