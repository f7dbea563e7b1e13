"""Kriens and Emmen with their own payment configuration (merchant id, API password, sign key)
in one run, against one reference payment provider that records the key of every call: a
Kriens case's payment start, status query (the sweep job) and refund use Kriens' key only, an
Emmen payment Emmen's; a notification signed with Emmen's key is refused for a Kriens payment.
"Verbindung testen" probes the payment connection with the commune's own key."""

from __future__ import annotations

import datetime as dt
import json
import time

import httpx
import pytest
from django.utils import timezone

from cases.actors import sweep_payments
from cases.models import CaseEvent, Payment
from cases.services import case_decide, case_submit
from integrations.adapters.payment.data import PaymentInitRequest
from integrations.adapters.payment.signature import signature_make
from integrations.connections import connection_test
from integrations.reference.common import commune_api_key
from integrations.reference.payment import DEFAULT_HMAC_KEY
from integrations.registry import registry
from tenants.models import CommuneConfig
from tests.jobs import flush_queue, run_queued
from tests.tenants.config_helpers import configure

from .conftest import notifications, pay

pytestmark = pytest.mark.django_db

# The reference provider signs every notification with its one key: Kriens' sign key is that
# key, Emmen's another one – a notification signed with Emmen's key must not pay in Kriens.
EMMEN_SIGN_KEY = "656d6d656e2d7369676e2d6b6579"  # "emmen-sign-key"


def _own(commune) -> dict[str, str]:
    return {
        "merchant_id": f"LU{commune.bfs_number}",
        "api_key": commune_api_key(register="payment", bfs_number=commune.bfs_number),
        "sign_key": DEFAULT_HMAC_KEY if commune.slug == "kriens" else EMMEN_SIGN_KEY,
    }


@pytest.fixture
def two_merchants(kriens, emmen, provider):
    """Kriens and Emmen each with its own merchant id, API password and sign key."""
    for commune in (kriens, emmen):
        own = _own(commune)
        configure(
            commune,
            payment_url=provider,
            payment_merchant_id=own["merchant_id"],
            secrets={"payment_api_password": own["api_key"], "payment_sign_key": own["sign_key"]},
        )
    registry.reset()
    flush_queue("steps")
    yield {"kriens": _own(kriens), "emmen": _own(emmen)}
    flush_queue("steps")


def _calls(url: str) -> list[dict]:
    return httpx.get(f"{url}/_payment_control", timeout=5).json()["calls"]


def _signed_with(key_hex: str, body: str) -> str:
    return signature_make(
        key_hex=key_hex, timestamp=str(int(time.time() * 1000)), body=body.encode()
    )


def _sweep_job(commune, in_commune) -> None:
    """The periodic sweep as the scheduler sends it: one job stamped with the commune."""
    with in_commune(commune):
        Payment.objects.update(updated_at=timezone.now() - dt.timedelta(minutes=2))
        sweep_payments.send()
    assert run_queued("steps") >= 1


def _kriens_case_paid_by_sweep(kriens, in_commune, logged_in, people, provider, merchants):
    """Order, start the payment, pay (notification lost); an Emmen-signed notification is
    refused; the sweep job books it. Returns the case."""
    with in_commune(kriens):
        case = case_submit(
            user=people["resident"], service_key="hundemarke-online", data={"reason": "Hund"}
        )
    client = logged_in(kriens, people["resident"])
    response = client.post(f"/meine-geschaefte/{case.pk}/bezahlen/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{provider}/v1/start/"), response["Location"]
    pay(response["Location"], "success")
    body = notifications(provider)[-1]["body"]
    forged = client.post(
        "/zahlungen/meldung/",
        data=body.encode(),
        content_type="application/json",
        HTTP_DATATRANS_SIGNATURE=_signed_with(merchants["emmen"]["sign_key"], body),
    )
    assert forged.status_code == 400
    with in_commune(kriens):
        assert Payment.objects.get(case=case).status == "open"
        assert not CaseEvent.objects.filter(case=case, kind="payment_paid").exists()
    _sweep_job(kriens, in_commune)
    with in_commune(kriens):
        assert Payment.objects.get(case=case).status == "paid"
    return case


def test_kriens_payment_uses_only_kriens_configuration(
    kriens, emmen, in_commune, logged_in, online_setup, provider, two_merchants
):
    """Start, status query (sweep job) and refund of a Kriens payment reach the provider with
    Kriens' key and merchant only (Emmen's signature on the way pays nothing); an Emmen
    payment start reaches it with Emmen's key."""
    case = _kriens_case_paid_by_sweep(
        kriens, in_commune, logged_in, online_setup, provider, two_merchants
    )
    with in_commune(kriens):
        case_decide(case=case, user=online_setup["clerk"], approve=False, reason="Nein")
        assert registry.get("payment.refund").config["merchant_id"] == f"LU{kriens.bfs_number}"
    _sweep_job(kriens, in_commune)
    with in_commune(kriens):
        assert Payment.objects.get(case=case).status == "refunded"
    kriens_calls = _calls(provider)
    kinds = {(c["method"], c["path"].rsplit("/", 1)[-1].isdigit()) for c in kriens_calls}
    assert {("POST", False), ("GET", True)} <= kinds  # init, status query
    assert any(c["path"].endswith("/credit") for c in kriens_calls)  # refund
    assert {c["key"] for c in kriens_calls} == {two_merchants["kriens"]["api_key"]}
    assert {c["merchant"] for c in kriens_calls} == {str(kriens.bfs_number)}
    with in_commune(emmen):
        adapter = registry.get("payment.init")
        assert adapter.config["merchant_id"] == f"LU{emmen.bfs_number}"
        adapter.call(
            PaymentInitRequest(
                refno="E1", amount=4500, currency="CHF", success_url="https://e.test/ok",
                cancel_url="https://e.test/x", error_url="https://e.test/e",
                webhook_url="https://e.test/zahlungen/meldung/",
            ),
            idempotency_key="emmen-1",
        )  # fmt: skip
    emmen_calls = _calls(provider)[len(kriens_calls) :]
    assert [c["key"] for c in emmen_calls] == [two_merchants["emmen"]["api_key"]]
    assert two_merchants["emmen"]["api_key"] != two_merchants["kriens"]["api_key"]


def test_emmen_signed_notification_refused_kriens_signed_accepted(
    kriens, in_commune, logged_in, online_setup, provider, two_merchants
):
    """The same settled notification: signed with Emmen's key 400 and nothing changes; signed
    with Kriens' key (what the provider sent) it pays."""
    with in_commune(kriens):
        case = case_submit(
            user=online_setup["resident"], service_key="hundemarke-online", data={"reason": "Hund"}
        )
    client = logged_in(kriens, online_setup["resident"])
    pay(client.post(f"/meine-geschaefte/{case.pk}/bezahlen/")["Location"], "success")
    note = notifications(provider)[-1]
    assert json.loads(note["body"])["status"] == "settled"
    emmen_signed = _signed_with(two_merchants["emmen"]["sign_key"], note["body"])
    for signature, expected in ((emmen_signed, 400), (note["signature"], 200)):
        answer = client.post(
            "/zahlungen/meldung/",
            data=note["body"].encode(),
            content_type="application/json",
            HTTP_DATATRANS_SIGNATURE=signature,
        )
        assert answer.status_code == expected
        if expected == 400:
            assert _status(kriens, in_commune, case) == "open"
    assert _status(kriens, in_commune, case) == "paid"


def _status(commune, in_commune, case) -> str:
    with in_commune(commune):
        return Payment.objects.get(case=case).status


def test_connection_test_of_the_payment_block(kriens, emmen, provider, two_merchants):
    """ "Verbindung testen" of the payment block: Kriens' own key is accepted (the probe is a
    status query that changes nothing), a wrong key is refused; both recorded."""
    ok = connection_test(commune=kriens, block="payment")
    assert ok.ok and "Zugang angenommen" in ok.message
    probe = _calls(provider)[-1]
    assert probe["method"] == "GET" and probe["key"] == two_merchants["kriens"]["api_key"]
    configure(
        emmen,
        payment_url=provider,
        payment_merchant_id=f"LU{emmen.bfs_number}",
        secrets={"payment_api_password": "falsch", "payment_sign_key": EMMEN_SIGN_KEY},
    )
    refused = connection_test(commune=emmen, block="payment")
    assert not refused.ok and "verweigert" in refused.message
    assert CommuneConfig.objects.get(commune=kriens).health["payment"]["ok"] is True
    assert CommuneConfig.objects.get(commune=emmen).health["payment"]["ok"] is False
