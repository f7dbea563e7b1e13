"""The case's fee as a ``Payment`` row, for submission and the invoice step (below the
services, so that step handlers can record an invoice's reference; re-exported by
``cases.services``)."""

from __future__ import annotations

from ..models import Case, Payment, PaymentMethod


def payment_open(*, case: Case) -> Payment | None:
    """The case's payment, created (open) if the case has a fee; its method from the service
    version (``payment_mode``). None for a case without fee."""
    existing = Payment.objects.filter(case=case).first()
    if existing is not None or not case.fee or case.fee <= 0:
        return existing
    mode = getattr(case.version, "payment_mode", PaymentMethod.QR_BILL)
    payment, _created = Payment.objects.get_or_create(
        case=case,
        defaults={
            "amount": case.fee,
            "method": PaymentMethod.ONLINE if mode == "online" else PaymentMethod.QR_BILL,
        },
    )
    return payment


def payment_invoice_record(*, case: Case, qr_reference: str) -> Payment | None:
    """Remember the QR reference of the case's invoice (credits are matched by it)."""
    payment = payment_open(case=case)
    if payment is not None and payment.qr_reference != qr_reference:
        payment.qr_reference = qr_reference
        payment.save(update_fields=["qr_reference", "updated_at"])
    return payment
