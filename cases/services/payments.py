"""The fee of a case: open it, pay it online, follow the provider's notifications and status,
refund it when the case is rejected (``Payment``; QR-bill credits: ``cases.services.camt``).

Every change goes through these functions and writes a case event in the same transaction.
Notifications are verified before they are read; applying the same state twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from integrations.adapters.payment.data import (
    PaymentInitRequest,
    PaymentStatusRequest,
    RefundRequest,
)
from integrations.adapters.payment.data import (
    PaymentStatus as ProviderStatus,
)
from integrations.base import IntegrationError
from integrations.registry import registry

from ..automation.fees import payment_invoice_record, payment_new, payment_open  # noqa: F401
from ..exceptions import InvalidTransition
from ..models import Case, CaseStatus, Payment, PaymentMethod, PaymentStatus
from .core import event_write

logger = logging.getLogger("cases.payments")

# An open online payment whose page was opened this long ago is asked for at the provider
# (the notification may have been lost).
STATUS_QUERY_AFTER = dt.timedelta(seconds=30)


class PaymentNotificationRefused(Exception):
    """A notification that is not signed with the commune's key (or unreadable): ignored."""


@dataclass(frozen=True)
class PaymentUrls:
    success: str
    cancel: str
    error: str
    webhook: str


def _rappen(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).quantize(Decimal("1")))


@transaction.atomic
def payment_start(*, case: Case, urls: PaymentUrls, language: str = "de") -> str:
    """Open a transaction at the provider for the case's open (or failed) online payment and
    return the payment page's URL. ``InvalidTransition`` when there is nothing to pay online;
    ``IntegrationError`` (German message) when the provider cannot be reached."""
    payment = Payment.objects.select_for_update().filter(case=case).first()
    if payment is None or payment.method != PaymentMethod.ONLINE:
        raise InvalidTransition("Für dieses Geschäft ist keine Online-Zahlung vorgesehen.")
    if payment.status not in (PaymentStatus.OPEN, PaymentStatus.FAILED):
        raise InvalidTransition("Die Gebühr ist bereits bezahlt.")
    adapter = registry.get("payment.init")
    session = adapter.call(
        PaymentInitRequest(
            refno=str(payment.pk),
            amount=_rappen(payment.amount),
            currency=str(adapter.config.get("currency") or "CHF"),
            success_url=urls.success,
            cancel_url=urls.cancel,
            error_url=urls.error,
            webhook_url=urls.webhook,
            language=language,
        ),
        idempotency_key=f"payment-{case.pk}-{payment.attempts + 1}",
    )
    payment.transaction_id = session.transaction_id
    payment.attempts += 1
    payment.status = PaymentStatus.OPEN
    payment.save(update_fields=["transaction_id", "attempts", "status", "updated_at"])
    event_write(
        case=case,
        actor=case.applicant,
        kind="payment_started",
        code="payment_started",
        params={"amount": f"{payment.amount:.2f}"},
        details={"transaction_id": session.transaction_id},
    )
    return session.redirect_url


def payment_status_apply(*, payment: Payment, status: ProviderStatus, source: str) -> str:
    """Bring ``payment`` (locked by the caller) to the provider's ``status``; returns what
    happened (``paid``, ``failed``, ``canceled``, ``unchanged``, ``mismatch``)."""
    if status.transaction_id != payment.transaction_id or status.refno != str(payment.pk):
        return "unchanged"  # an older attempt or another payment: not this payment's state
    if payment.status != PaymentStatus.OPEN:
        return "unchanged"  # paid, refunded or failed stay so: a repeat changes nothing
    if status.is_paid and status.amount != _rappen(payment.amount):
        logger.warning(
            "payment amount mismatch",
            extra={"payment": payment.pk, "expected": _rappen(payment.amount)},
        )
        return "mismatch"
    now = timezone.now()
    if status.is_paid:
        payment.status, payment.paid_at = PaymentStatus.PAID, status.changed_at or now
        payment.paid_amount = payment.amount
        outcome = "paid"
    elif status.is_failed:
        payment.status = PaymentStatus.FAILED
        outcome = "failed"
    elif status.is_canceled:
        payment.transaction_id = ""  # the resident may start again; the status stays open
        outcome = "canceled"
    else:
        return "unchanged"
    payment.save(update_fields=["status", "paid_at", "paid_amount", "transaction_id", "updated_at"])
    event_write(
        case=payment.case,
        actor=None,
        kind=f"payment_{outcome}",
        code=f"payment_{outcome}",
        params={"amount": f"{payment.amount:.2f}"} if outcome == "paid" else None,
        details={"transaction_id": status.transaction_id, "source": source},
        visible=True,
    )
    return outcome


@transaction.atomic
def payment_notification_receive(*, body: bytes, signature: str | None) -> str:
    """Handle one server-to-server notification of the provider: verify the signature over the
    raw body with the commune's key, then apply the state. ``PaymentNotificationRefused`` (and
    nothing changed) for a bad signature or an unreadable body; logged without body or key."""
    adapter = registry.get("payment.status")
    if not adapter.notification_verify(body=body, signature=signature):
        logger.warning("payment notification refused: bad signature", extra={"size": len(body)})
        raise PaymentNotificationRefused("Ungültige Signatur.")
    try:
        status = adapter.notification_parse(json.loads(body))
    except (ValueError, IntegrationError) as exc:
        logger.warning("payment notification refused: unreadable", extra={"size": len(body)})
        raise PaymentNotificationRefused("Unlesbare Meldung.") from exc
    payment = (
        Payment.objects.select_for_update()
        .select_related("case")
        .filter(transaction_id=status.transaction_id, method=PaymentMethod.ONLINE)
        .first()
    )
    if payment is None:
        return "unknown"
    return payment_status_apply(payment=payment, status=status, source="notification")


def payment_status_query(*, payment_id: int, source: str = "status_query") -> str:
    """Ask the provider for the state of ``payment_id``'s transaction and apply it."""
    payment = Payment.objects.filter(pk=payment_id).only("transaction_id").first()
    if payment is None or not payment.transaction_id:
        return "unchanged"
    status = registry.get("payment.status").call(
        PaymentStatusRequest(transaction_id=payment.transaction_id),
        idempotency_key=f"status-{payment_id}",
    )
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("case").get(pk=payment_id)
        return payment_status_apply(payment=payment, status=status, source=source)


@transaction.atomic
def payment_refund(*, payment_id: int) -> bool:
    """Refund a paid online fee of a rejected case (once: the idempotency key makes a repeated
    job a replay at the provider, the status a no-op here)."""
    payment = Payment.objects.select_for_update().select_related("case").get(pk=payment_id)
    if payment.status != PaymentStatus.PAID or payment.method != PaymentMethod.ONLINE:
        return False
    adapter = registry.get("payment.refund")
    refund = adapter.call(
        RefundRequest(
            transaction_id=payment.transaction_id,
            amount=_rappen(payment.paid_amount or payment.amount),
            currency=str(adapter.config.get("currency") or "CHF"),
            refno=f"R{payment.pk}",
        ),
        idempotency_key=f"refund-{payment.case_id}",
    )
    payment.status, payment.refunded_at = PaymentStatus.REFUNDED, timezone.now()
    payment.refund_id = refund.transaction_id
    payment.save(update_fields=["status", "refunded_at", "refund_id", "updated_at"])
    event_write(
        case=payment.case,
        actor=None,
        kind="payment_refunded",
        code="payment_refunded",
        params={"amount": f"{payment.amount:.2f}"},
        details={"refund_id": refund.transaction_id},
        visible=True,
    )
    return True


def payments_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Periodic, per commune: ask the provider about open online payments whose notification
    has not come, and refund paid fees of rejected cases. Provider faults are logged and the
    payment is tried again at the next tick."""
    now = now or timezone.now()
    counts = {"queried": 0, "refunded": 0, "errors": 0}
    stale = Payment.objects.filter(
        method=PaymentMethod.ONLINE,
        status=PaymentStatus.OPEN,
        updated_at__lte=now - STATUS_QUERY_AFTER,
    ).exclude(transaction_id="")
    to_refund = Payment.objects.filter(
        method=PaymentMethod.ONLINE, status=PaymentStatus.PAID, case__status=CaseStatus.REJECTED
    )
    for pid in stale.values_list("pk", flat=True):
        counts["queried"] += _guarded(payment_status_query, pid, counts)
    for pid in to_refund.values_list("pk", flat=True):
        counts["refunded"] += _guarded(payment_refund, pid, counts)
    return counts


def _guarded(function, payment_id: int, counts: dict[str, int]) -> int:
    try:
        function(payment_id=payment_id)
        return 1
    except IntegrationError as exc:
        logger.warning("payment job failed", extra={"payment": payment_id, "code": exc.code})
        counts["errors"] += 1
        return 0
