"""Hosted payment page, status query and refund against a Datatrans-like API (HTTP + JSON).

Endpoints as Datatrans documents them (api-reference.datatrans.ch): ``POST /v1/transactions``
(init, answers ``transactionId``; the browser goes to ``<pay_url>/v1/start/<transactionId>``),
``GET /v1/transactions/<id>`` (status) and ``POST /v1/transactions/<id>/credit`` (refund).
Datatrans authenticates with HTTP Basic (merchant id + password); this adapter sends the
configured ``api_key`` as bearer token like the other adapters: for the real provider, only the
``Authorization`` header differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from integrations.base import HttpAdapter, PermanentError, TransientError
from integrations.registry import register

from .data import (
    PaymentInitRequest,
    PaymentSession,
    PaymentStatus,
    PaymentStatusRequest,
    Refund,
    RefundRequest,
)
from .signature import signature_verify


class _PaymentAdapter(HttpAdapter):
    config_name = "payment"
    required_settings = ("url", "api_key", "hmac_key")
    url_settings = ("url", "pay_url")
    # "Verbindung testen": the status query of a transaction that cannot exist (ids start at
    # 1) – reads nothing, changes nothing; 404 = key accepted, 401/403 = refused.
    probe_path = "/v1/transactions/0"

    @classmethod
    def check_configuration(cls, config: Mapping[str, Any]) -> list[str]:
        problems = super().check_configuration(config)
        try:
            bytes.fromhex(str(config.get("hmac_key") or ""))
        except ValueError:
            problems.append("Einstellung «hmac_key» muss hexadezimal sein.")
        return problems

    def notification_verify(self, *, body: bytes, signature: str | None) -> bool:
        """Whether ``signature`` (the ``Datatrans-Signature`` header) signs ``body`` with this
        configuration's HMAC key."""
        return signature_verify(
            key_hex=str(self.config.get("hmac_key") or ""), header=signature, body=body
        )

    @staticmethod
    def notification_parse(data: Any) -> PaymentStatus:
        """The ``PaymentStatus`` a (verified) notification reports."""
        if not isinstance(data, dict):
            raise TransientError("Unlesbare Meldung.", code="malformed_notification")
        return status_from(data)

    def _refused(self, response, default: str) -> PermanentError:
        try:
            data = response.json()
        except ValueError:
            data = {}
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict):  # Datatrans: {"error": {"code", "message"}}
            code, message = str(error.get("code") or ""), str(error.get("message") or "")
        else:
            code, message = str(error or ""), str(data.get("message") or "")
        return PermanentError(
            message or default,
            code=code.lower() or f"http_{response.status_code}",
            details={"status": response.status_code},
        )

    @staticmethod
    def _malformed(exc: Exception) -> TransientError:
        return TransientError(
            "Der Zahlungsanbieter hat eine unvollständige Antwort geschickt.",
            code="malformed_response",
            details={"error": f"{type(exc).__name__}: {exc}"},
        )


@register("payment.init")
class PaymentInitAdapter(_PaymentAdapter):
    """Open a transaction on the hosted payment page → ``PaymentSession``."""

    def call(self, request: PaymentInitRequest, *, idempotency_key: str) -> PaymentSession:
        if request.amount <= 0:
            raise PermanentError("Der Betrag muss positiv sein.", code="invalid_amount")
        response = self.request(
            "POST",
            "/v1/transactions",
            idempotency_key=idempotency_key,
            json={
                "refno": request.refno,
                "amount": request.amount,
                "currency": request.currency,
                "language": request.language,
                "redirect": {
                    "successUrl": request.success_url,
                    "cancelUrl": request.cancel_url,
                    "errorUrl": request.error_url,
                },
                "webhook": {"url": request.webhook_url},
            },
        )
        if response.status_code >= 400:
            raise self._refused(response, "Der Zahlungsanbieter hat die Zahlung abgelehnt.")
        data = self.json_body(response)
        try:
            transaction_id = str(data["transactionId"])
        except KeyError as exc:
            raise self._malformed(exc) from exc
        pay_url = str(self.config.get("pay_url") or self.config["url"]).rstrip("/")
        return PaymentSession(
            transaction_id=transaction_id, redirect_url=f"{pay_url}/v1/start/{transaction_id}"
        )


@register("payment.status")
class PaymentStatusAdapter(_PaymentAdapter):
    """The provider's current state of one transaction → ``PaymentStatus``."""

    def call(self, request: PaymentStatusRequest, *, idempotency_key: str) -> PaymentStatus:
        response = self.request(
            "GET", f"/v1/transactions/{request.transaction_id}", idempotency_key=idempotency_key
        )
        if response.status_code >= 400:
            raise self._refused(response, "Der Zahlungsanbieter kennt die Transaktion nicht.")
        return status_from(self.json_body(response))


@register("payment.refund")
class PaymentRefundAdapter(_PaymentAdapter):
    """Credit a settled transaction back to the payer → ``Refund``. The idempotency key makes a
    redelivered refund job a replay, never a second credit."""

    def call(self, request: RefundRequest, *, idempotency_key: str) -> Refund:
        response = self.request(
            "POST",
            f"/v1/transactions/{request.transaction_id}/credit",
            idempotency_key=idempotency_key,
            json={"amount": request.amount, "currency": request.currency, "refno": request.refno},
        )
        if response.status_code >= 400:
            raise self._refused(response, "Der Zahlungsanbieter hat die Rückerstattung abgelehnt.")
        data = self.json_body(response)
        try:
            return Refund(transaction_id=str(data["transactionId"]), amount=request.amount)
        except KeyError as exc:
            raise _PaymentAdapter._malformed(exc) from exc


def status_from(data: Mapping[str, Any]) -> PaymentStatus:
    """A ``PaymentStatus`` from the provider's transaction JSON (status answer or notification);
    ``TransientError`` when fields are missing."""
    try:
        changed = data.get("changedAt")
        return PaymentStatus(
            transaction_id=str(data["transactionId"]),
            refno=str(data["refno"]),
            status=str(data["status"]),
            amount=int(data["amount"]),
            currency=str(data["currency"]),
            changed_at=datetime.fromisoformat(changed) if changed else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _PaymentAdapter._malformed(exc) from exc
