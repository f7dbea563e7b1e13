"""Payment adapters (``payment.init`` / ``payment.status`` / ``payment.refund``) against the
reference payment provider process, and the notification signature."""

from __future__ import annotations

import httpx
import pytest

from integrations.adapters.payment.data import (
    PaymentInitRequest,
    PaymentStatusRequest,
    RefundRequest,
)
from integrations.adapters.payment.signature import signature_make, signature_verify
from integrations.base import PermanentError, TransientError
from integrations.reference import processes
from integrations.registry import get, registry

KEY = "6465762d7061796d656e742d686d61632d6b6579"


@pytest.fixture(scope="module")
def payment_provider_url():
    provider = processes.start_register("payment", port=0, wait=60)
    yield provider.url
    provider.stop()


@pytest.fixture
def provider(payment_provider_url, settings):
    url = payment_provider_url
    settings.INTEGRATIONS = {
        **settings.INTEGRATIONS,
        "payment": {**settings.INTEGRATIONS["payment"], "url": url, "timeout": 1.0},
    }
    registry.reset()
    processes.control(url, "ok")
    yield url
    processes.control(url, "ok")
    registry.reset()


def _init(refno: str = "p-1", amount: int = 4500) -> PaymentInitRequest:
    return PaymentInitRequest(
        refno=refno,
        amount=amount,
        currency="CHF",
        success_url="http://kriens.test/ok",
        cancel_url="http://kriens.test/cancel",
        error_url="http://kriens.test/error",
        webhook_url="",
    )


def test_init_pay_status_refund(provider):
    """Init opens a transaction on the payment page; after paying, the status is settled and a
    refund is credited once (a repeated refund with the same key is a replay)."""
    session = get("payment.init").call(_init(), idempotency_key="k-1")
    assert session.redirect_url == f"{provider}/v1/start/{session.transaction_id}"
    status = get("payment.status").call(
        PaymentStatusRequest(session.transaction_id), idempotency_key="s"
    )
    assert status.status == "initialized" and not status.is_paid
    back = httpx.post(f"{session.redirect_url}/success", follow_redirects=False)
    assert back.headers["location"].endswith(f"?datatransTrxId={session.transaction_id}")
    paid = get("payment.status").call(
        PaymentStatusRequest(session.transaction_id), idempotency_key="s"
    )
    assert paid.is_paid and paid.amount == 4500 and paid.refno == "p-1"
    refund = RefundRequest(session.transaction_id, 4500, "CHF", "R1")
    effects = processes.control(provider)["effects"]
    first = get("payment.refund").call(refund, idempotency_key="refund-1")
    assert get("payment.refund").call(refund, idempotency_key="refund-1") == first
    assert processes.control(provider)["effects"] == effects + 1
    with pytest.raises(PermanentError):  # nothing left to refund
        get("payment.refund").call(refund, idempotency_key="refund-2")


def test_same_key_opens_one_transaction(provider):
    """A retried init with the same idempotency key gets the same transaction."""
    first = get("payment.init").call(_init("p-2"), idempotency_key="k-2")
    assert get("payment.init").call(_init("p-2"), idempotency_key="k-2") == first


@pytest.mark.parametrize(("mode", "code"), [("error500", "http_500"), ("timeout", "timeout")])
def test_transient_failures(provider, mode, code):
    """5xx and a slow provider are transient (retry later)."""
    processes.control(provider, mode, count=1, delay=2.0)
    with pytest.raises(TransientError) as failure:
        get("payment.init").call(_init("p-3"), idempotency_key=f"k-{mode}")
    assert failure.value.code == code


def test_malformed_answer_is_transient(provider):
    processes.control(provider, "malformed", count=1)
    with pytest.raises(TransientError) as failure:
        get("payment.init").call(_init("p-4"), idempotency_key="k-m")
    assert failure.value.code == "malformed_response"


def test_bad_key_and_bad_request_are_permanent(provider, settings):
    """A refused key (401) and a refused request (4xx) are permanent; nothing is opened."""
    effects = processes.control(provider)["effects"]
    with pytest.raises(PermanentError) as bad_amount:
        get("payment.init").call(_init("p-5", amount=0), idempotency_key="k-5")
    assert bad_amount.value.code == "invalid_amount"
    with pytest.raises(PermanentError) as unknown:
        get("payment.status").call(PaymentStatusRequest("999"), idempotency_key="s")
    assert unknown.value.code == "transaction_not_found"
    settings.INTEGRATIONS["payment"]["api_key"] = "wrong"
    registry.reset()
    with pytest.raises(PermanentError) as refused:
        get("payment.init").call(_init("p-6"), idempotency_key="k-6")
    assert refused.value.code == "unauthorized"
    assert processes.control(provider)["effects"] == effects


def test_signature():
    """Only the exact body signed with the key verifies; other keys, bodies, headers do not."""
    body = b'{"transactionId": "1", "status": "settled"}'
    header = signature_make(key_hex=KEY, timestamp="1700000000000", body=body)
    assert signature_verify(key_hex=KEY, header=header, body=body)
    assert not signature_verify(key_hex=KEY, header=header, body=body + b" ")
    assert not signature_verify(key_hex="00" * 20, header=header, body=body)
    assert not signature_verify(key_hex=KEY, header=None, body=body)
    assert not signature_verify(key_hex=KEY, header="t=1,s0=zz", body=body)
    assert not signature_verify(key_hex="not-hex", header=header, body=body)


def test_configuration_check():
    """A missing or non-hex HMAC key is reported at start-up."""
    cls = registry.adapter_class("payment.init")
    assert cls.check_configuration({"url": "http://x", "api_key": "k", "hmac_key": KEY}) == []
    problems = cls.check_configuration({"url": "http://x", "api_key": "k", "hmac_key": "xyz"})
    assert problems == ["Einstellung «hmac_key» muss hexadezimal sein."]
