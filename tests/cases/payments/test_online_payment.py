"""Online payment of a case's fee against the reference payment provider (a real process)."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.utils import timezone

from cases.models import CaseEvent, Payment
from cases.services import (
    case_decide,
    case_submit,
    document_generated_add,
    payment_refund,
    payments_sweep,
)
from integrations.reference import processes

from .conftest import notifications, pay, switches

pytestmark = pytest.mark.django_db


def _order(kriens, in_commune, people):
    with in_commune(kriens):
        return case_submit(
            user=people["resident"], service_key="hundemarke-online", data={"reason": "Hund"}
        )


def _start(client, case) -> str:
    response = client.post(f"/meine-geschaefte/{case.pk}/bezahlen/")
    assert response.status_code == 302
    return response["Location"]


def _deliver(client, note: dict, *, body: str | None = None):
    return client.post(
        "/zahlungen/meldung/",
        data=(body or note["body"]).encode(),
        content_type="application/json",
        HTTP_DATATRANS_SIGNATURE=note["signature"],
    )


def _payment(kriens, in_commune, case) -> Payment:
    with in_commune(kriens):
        return Payment.objects.get(case=case)


def test_case_page_shows_bezahlen_with_amount(
    kriens, in_commune, logged_in, online_setup, provider
):
    """An online fee is open after ordering; the case page offers "Bezahlen" with the amount."""
    case = _order(kriens, in_commune, online_setup)
    client = logged_in(kriens, online_setup["resident"])
    page = client.get(f"/meine-geschaefte/{case.pk}/").content.decode()
    assert "Bezahlen (CHF 45.00)" in page
    payment = _payment(kriens, in_commune, case)
    assert (payment.method, payment.status, payment.amount) == ("online", "open", 45)
    api = client.get(f"/api/cases/{case.pk}/").json()["payment"]
    assert api == {"amount": "45.00", "method": "online", "status": "open", "paid_at": None}


def test_success_with_notification_pays_once(kriens, in_commune, logged_in, online_setup, provider):
    """Paying on the payment page and the signed notification make the fee paid; the same
    notification again changes nothing (no second event)."""
    case = _order(kriens, in_commune, online_setup)
    client = logged_in(kriens, online_setup["resident"])
    redirect = _start(client, case)
    assert redirect.startswith(f"{provider}/v1/start/")
    assert pay(redirect, "success").status_code == 303
    note = notifications(provider)[-1]
    assert _deliver(client, note).content == b"paid"
    payment = _payment(kriens, in_commune, case)
    assert payment.status == "paid" and payment.paid_at is not None
    with in_commune(kriens):
        events = CaseEvent.objects.filter(case=case, kind="payment_paid").count()
    assert _deliver(client, note).content == b"unchanged"
    with in_commune(kriens):
        assert CaseEvent.objects.filter(case=case, kind="payment_paid").count() == events == 1
    api = client.get(f"/api/cases/{case.pk}/").json()["payment"]
    assert api["status"] == "paid" and api["paid_at"]


def test_return_page_asks_the_provider(kriens, in_commune, logged_in, online_setup, provider):
    """Coming back from the payment page, the state is asked for at the provider (the browser
    is not trusted), so a lost notification does not leave the resident with "offen"."""
    case = _order(kriens, in_commune, online_setup)
    client = logged_in(kriens, online_setup["resident"])
    back = pay(_start(client, case), "success").headers["location"]
    response = client.get(back.split(kriens.primary_domain, 1)[1])
    assert response.status_code == 302
    assert _payment(kriens, in_commune, case).status == "paid"


def test_cancel_keeps_open_and_failure_fails(kriens, in_commune, logged_in, online_setup, provider):
    """Cancelling leaves the fee open (payable again); a failed payment is "failed" and can be
    started again with a new transaction."""
    case = _order(kriens, in_commune, online_setup)
    client = logged_in(kriens, online_setup["resident"])
    pay(_start(client, case), "cancel")
    assert _deliver(client, notifications(provider)[-1]).content == b"canceled"
    assert _payment(kriens, in_commune, case).status == "open"
    pay(_start(client, case), "fail")
    assert _deliver(client, notifications(provider)[-1]).content == b"failed"
    failed = _payment(kriens, in_commune, case)
    assert failed.status == "failed"
    assert "Bezahlen" in client.get(f"/meine-geschaefte/{case.pk}/").content.decode()
    pay(_start(client, case), "success")
    assert _deliver(client, notifications(provider)[-1]).content == b"paid"
    again = _payment(kriens, in_commune, case)
    assert again.status == "paid" and again.attempts == 3
    assert again.transaction_id != failed.transaction_id


def test_tampered_notification_changes_nothing(
    kriens, in_commune, logged_in, online_setup, provider, caplog
):
    """A notification whose body was changed, or signed with another key, is refused (400),
    changes nothing and is logged without body or key."""
    case = _order(kriens, in_commune, online_setup)
    client = logged_in(kriens, online_setup["resident"])
    pay(_start(client, case), "fail")
    note = notifications(provider)[-1]
    forged = json.dumps({**json.loads(note["body"]), "status": "settled"})
    with caplog.at_level(logging.WARNING, logger="cases.payments"):
        assert _deliver(client, note, body=forged).status_code == 400
    switches(provider, notify="bad_signature")
    redirect = _start(client, case)
    pay(redirect, "success")
    bad = notifications(provider)[-1]
    assert _deliver(client, bad).status_code == 400
    assert _payment(kriens, in_commune, case).status == "open"
    with in_commune(kriens):
        assert not CaseEvent.objects.filter(case=case, kind="payment_paid").exists()
    logged = " ".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert "bad signature" in logged
    key = provider and "6465762d7061796d656e742d686d61632d6b6579"
    assert key not in logged and "settled" not in logged


def test_lost_notification_caught_by_status_query(
    kriens, in_commune, logged_in, online_setup, provider
):
    """No notification arrives: the periodic sweep asks the provider and books the payment."""
    case = _order(kriens, in_commune, online_setup)
    client = logged_in(kriens, online_setup["resident"])
    pay(_start(client, case), "success")
    assert notifications(provider)[-1]["delivery"] == "lost"
    with in_commune(kriens):
        assert payments_sweep()["queried"] == 0  # too early: the notification may still come
        later = timezone.now() + dt.timedelta(minutes=2)
        assert payments_sweep(now=later)["queried"] == 1
        assert Payment.objects.get(case=case).status == "paid"


def test_sweep_survives_provider_fault(kriens, in_commune, logged_in, online_setup, provider):
    """A provider answering 500 leaves the payment open and is tried again next tick."""
    case = _order(kriens, in_commune, online_setup)
    client = logged_in(kriens, online_setup["resident"])
    pay(_start(client, case), "success")
    processes.control(provider, "error500", count=1)
    later = timezone.now() + dt.timedelta(minutes=2)
    with in_commune(kriens):
        assert payments_sweep(now=later) == {"queried": 0, "refunded": 0, "errors": 1}
        assert Payment.objects.get(case=case).status == "open"
        assert payments_sweep(now=later)["queried"] == 1
        assert Payment.objects.get(case=case).status == "paid"


def test_provider_down_refuses_start(kriens, in_commune, logged_in, online_setup, provider):
    """With the provider down, "Bezahlen" returns to the case with a German message."""
    case = _order(kriens, in_commune, online_setup)
    client = logged_in(kriens, online_setup["resident"])
    switches(provider, notify="lost", down=True)
    response = client.post(f"/meine-geschaefte/{case.pk}/bezahlen/", follow=True)
    assert "Online-Zahlung ist im Moment nicht möglich" in response.content.decode()
    payment = _payment(kriens, in_commune, case)
    assert payment.transaction_id == "" and payment.attempts == 0


def test_rejected_case_refunded_once(kriens, in_commune, logged_in, online_setup, provider):
    """A paid fee of a rejected case is refunded by the sweep, exactly once at the provider."""
    case = _order(kriens, in_commune, online_setup)
    client = logged_in(kriens, online_setup["resident"])
    pay(_start(client, case), "success")
    _deliver(client, notifications(provider)[-1])
    with in_commune(kriens):
        case_decide(case=case, user=online_setup["clerk"], approve=False, reason="Nein")
        effects = processes.control(provider)["effects"]
        assert payments_sweep()["refunded"] == 1
        assert Payment.objects.get(case=case).status == "refunded"
        assert payments_sweep()["refunded"] == 0
        payment = Payment.objects.get(case=case)
        assert payment_refund(payment_id=payment.pk) is False
    assert processes.control(provider)["effects"] == effects + 1
    assert client.get(f"/api/cases/{case.pk}/").json()["payment"]["status"] == "refunded"


def test_result_released_only_after_payment(kriens, in_commune, logged_in, online_setup, provider):
    """The result document is neither listed nor downloadable until the online fee is paid."""
    case = _order(kriens, in_commune, online_setup)
    with in_commune(kriens):
        document = document_generated_add(
            case=case, step_key="bescheinigung", name="ergebnis.pdf", content=b"%PDF-1.4",
            content_type="application/pdf",
        )  # fmt: skip
    client = logged_in(kriens, online_setup["resident"])
    assert "ergebnis.pdf" not in client.get(f"/meine-geschaefte/{case.pk}/").content.decode()
    assert client.get(f"/dokumente/{document.pk}/").status_code == 404
    assert client.get(f"/api/cases/{case.pk}/").json()["documents"] == []
    pay(_start(client, case), "success")
    _deliver(client, notifications(provider)[-1])
    assert "ergebnis.pdf" in client.get(f"/meine-geschaefte/{case.pk}/").content.decode()
    assert client.get(f"/dokumente/{document.pk}/").status_code == 200


def test_other_residents_cannot_pay_or_see(kriens, in_commune, logged_in, online_setup, provider):
    """Another resident's "Bezahlen" on the case is 404 and opens no transaction."""
    case = _order(kriens, in_commune, online_setup)
    client = logged_in(kriens, online_setup["other_resident"])
    assert client.post(f"/meine-geschaefte/{case.pk}/bezahlen/").status_code == 404
    assert _payment(kriens, in_commune, case).attempts == 0
