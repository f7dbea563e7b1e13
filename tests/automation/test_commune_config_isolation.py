"""Kriens and Emmen with their own registers, accounts and senders in one run: a Kriens case,
run through its jobs (enqueued on commit, executed in the commune stamped on the message), uses
Kriens' register, QR-IBAN, creditor and sender only, and the same for Emmen."""

from __future__ import annotations

import pytest

from accounts.actors import MAIL_QUEUE
from accounts.mails import PASSWORD_RESET, account_mail_enqueue
from cases.jobs import NOTIFICATION_QUEUE
from cases.models import CaseStatus
from cases.services import case_submit
from integrations.reference import processes
from tests.factories import UserFactory
from tests.jobs import flush_queue, run_queued
from tests.tenants.config_helpers import configure, swiss_iban

pytestmark = pytest.mark.django_db

OWN = {
    "kriens": {
        "key": "kriens-only-key",
        "qr_iban": swiss_iban("30808", "000000010590"),
        "street": "Schachenstrasse",
        "sender": "portal@kriens.example.ch",
        "reply": "einwohner@kriens.example.ch",
    },
    "emmen": {
        "key": "emmen-only-key",
        "qr_iban": swiss_iban("31234", "000000010240"),
        "street": "Rüeggisingerstrasse",
        "sender": "portal@emmen.example.ch",
        "reply": "einwohner@emmen.example.ch",
    },
}


@pytest.fixture(scope="module")
def own_registers():
    started = {
        slug: processes.start_register("resident", api_key=own["key"], wait=60)
        for slug, own in OWN.items()
    }
    yield {slug: r.url for slug, r in started.items()}
    for r in started.values():
        r.stop()


@pytest.fixture
def two_communes(kriens, emmen, own_registers, resident_of):
    residents = {}
    for commune in (kriens, emmen):
        own = OWN[commune.slug]
        configure(
            commune,
            resident_register_url=own_registers[commune.slug],
            secrets={"resident_register_api_key": own["key"]},
            qr_iban=own["qr_iban"],
            creditor_street=own["street"],
            mail_sender=own["sender"],
            mail_reply_to=own["reply"],
        )
        residents[commune.slug] = resident_of(commune)
    flush_queue("steps")
    flush_queue(MAIL_QUEUE)
    flush_queue(NOTIFICATION_QUEUE)
    yield residents
    flush_queue("steps")
    flush_queue(MAIL_QUEUE)
    flush_queue(NOTIFICATION_QUEUE)


def _calls(urls: dict[str, str]) -> dict[str, int]:
    return {slug: processes.control(url)["calls"] for slug, url in urls.items()}


def _submit_and_run_jobs(commune, user, in_commune, capture):
    with in_commune(commune), capture(execute=True):
        case = case_submit(
            user=user,
            service_key="wohnsitzbestaetigung",
            data={"purpose": "bank", "delivery": "pdf"},
        )
    for _ in range(10):  # the jobs chain: each step's job enqueues the next on commit
        with capture(execute=True):
            if not run_queued("steps"):
                break
    run_queued(NOTIFICATION_QUEUE)  # the notification e-mails, sent by their job
    with in_commune(commune):
        case.refresh_from_db()
        invoice = case.steps.get(key="invoice")
        svg = next(d for d in case.documents.all() if d.name.endswith(".svg"))
        with svg.file.open("rb") as f:
            return case, invoice.output, f.read().decode()


def test_kriens_case_uses_only_kriens_connection_account_and_sender(
    kriens,
    emmen,
    in_commune,
    two_communes,
    own_registers,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    """Kriens' case: Kriens' register is called, Emmen's not; the QR-bill carries Kriens'
    QR-IBAN and street; its mail Kriens' sender. Then Emmen's case the same way for Emmen."""
    for slug, other in (("kriens", "emmen"), ("emmen", "kriens")):
        commune = kriens if slug == "kriens" else emmen
        before = _calls(own_registers)
        mailoutbox.clear()
        case, invoice, svg = _submit_and_run_jobs(
            commune, two_communes[slug], in_commune, django_capture_on_commit_callbacks
        )
        assert case.status == CaseStatus.COMPLETED
        after = _calls(own_registers)
        assert after[slug] > before[slug] and after[other] == before[other]
        assert invoice["iban"] == OWN[slug]["qr_iban"] != OWN[other]["qr_iban"]
        assert invoice["reference_type"] == "QRR"
        assert OWN[slug]["street"] in svg and OWN[other]["street"] not in svg
        assert mailoutbox and {m.from_email for m in mailoutbox} == {OWN[slug]["sender"]}
        assert {tuple(m.reply_to) for m in mailoutbox} == {(OWN[slug]["reply"],)}


def test_account_mail_job_uses_its_communes_sender(
    kriens, emmen, in_commune, two_communes, mailoutbox, django_capture_on_commit_callbacks
):
    """An account mail enqueued in Emmen and run as a job is sent from Emmen's address with
    Emmen's reply-to, one from Kriens from Kriens'."""
    for commune in (emmen, kriens):
        with in_commune(commune), django_capture_on_commit_callbacks(execute=True):
            user = UserFactory(email=f"anna@{commune.slug}.example.org")
            account_mail_enqueue(PASSWORD_RESET, user=user, base_url=f"http://{commune.slug}.test")
    assert run_queued(MAIL_QUEUE) == 2
    sent = {m.to[0].split("@")[1].split(".")[0]: m for m in mailoutbox}
    for slug in ("kriens", "emmen"):
        assert sent[slug].from_email == OWN[slug]["sender"]
        assert sent[slug].reply_to == [OWN[slug]["reply"]]
