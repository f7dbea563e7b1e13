"""Plain data of the payment adapters (``payment.init``, ``payment.status``, ``payment.refund``):
what callers build and get back, importable without the adapters.

Amounts are in Rappen (integer minor units), as the provider's API counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# The provider's transaction states (Datatrans names) and what they mean for the portal.
PAID_STATES = frozenset({"settled", "transmitted"})
FAILED_STATES = frozenset({"failed", "declined"})
CANCELED_STATES = frozenset({"canceled"})


@dataclass(frozen=True)
class PaymentInitRequest:
    refno: str  # our reference of the payment (the payment's id), max. 40 characters
    amount: int  # Rappen
    currency: str
    success_url: str
    cancel_url: str
    error_url: str
    webhook_url: str
    language: str = "de"


@dataclass(frozen=True)
class PaymentSession:
    transaction_id: str
    redirect_url: str  # the hosted payment page the resident's browser is sent to


@dataclass(frozen=True)
class PaymentStatusRequest:
    transaction_id: str


@dataclass(frozen=True)
class PaymentStatus:
    transaction_id: str
    refno: str
    status: str  # initialized | settled | transmitted | canceled | failed | declined
    amount: int
    currency: str
    changed_at: datetime | None = None

    @property
    def is_paid(self) -> bool:
        return self.status in PAID_STATES

    @property
    def is_failed(self) -> bool:
        return self.status in FAILED_STATES

    @property
    def is_canceled(self) -> bool:
        return self.status in CANCELED_STATES


@dataclass(frozen=True)
class RefundRequest:
    transaction_id: str
    amount: int
    currency: str
    refno: str


@dataclass(frozen=True)
class Refund:
    transaction_id: str  # the credit's own transaction id
    amount: int
