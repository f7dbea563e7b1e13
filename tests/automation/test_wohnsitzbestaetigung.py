"""Wohnsitzbestätigung end to end against the real reference registers on loopback."""

from __future__ import annotations

import pytest

from cases import handlers
from cases.jobs import NOTIFICATION_QUEUE
from cases.models import CaseStatus, Document, StepStatus
from cases.services import case_submit, step_run
from cases.services.seals import seal_check
from integrations.models import AdapterFailure
from integrations.reference import demo_person
from tests.jobs import flush_queue, run_queued

from .helpers import run_automated

pytestmark = pytest.mark.django_db


def _submit(user):
    return case_submit(
        user=user, service_key="wohnsitzbestaetigung", data={"purpose": "bank", "delivery": "pdf"}
    )


def test_completes_with_pdf_and_qr_bill_and_no_clerk(kriens, in_commune, resident_of):
    """Identify → certificate PDF → QR-bill: the case completes by itself; both documents are
    visible to the resident; the timeline names the register's person id and the steps that
    ran automatically."""
    resident = resident_of(kriens)
    person = demo_person(kriens.bfs_number)
    with in_commune(kriens):
        case = run_automated(_submit(resident))
        assert case.status == CaseStatus.COMPLETED
        steps = list(case.steps.all())
        assert [s.status for s in steps] == [StepStatus.DONE] * 3
        assert all(s.completed_by_id is None for s in steps)
        assert steps[0].output["register_person_id"] == person["person_id"]
        applicant_vn = steps[0].input["applicant"]["ahv_number"].replace(".", "")
        assert applicant_vn == person["vn"]  # the profile stores it as 756.XXXX.XXXX.XX
        docs = {d.name: d for d in case.documents.all()}
        slug = case.reference
        assert set(docs) == {
            f"wohnsitzbestaetigung-{slug}.pdf",
            f"rechnung-{slug}.pdf",
            f"qr-einzahlungsschein-{slug}.svg",
        }
        assert all(
            d.visible_to_resident and d.kind == Document.Kind.GENERATED for d in docs.values()
        )
        for name in (f"wohnsitzbestaetigung-{slug}.pdf", f"rechnung-{slug}.pdf"):
            with docs[name].file.open("rb") as f:
                assert f.read(5) == b"%PDF-"
        # The certificate carries the commune's electronic seal, as the service promises.
        with docs[f"wohnsitzbestaetigung-{slug}.pdf"].file.open("rb") as f:
            seal = seal_check(pdf=f.read())
        assert seal.intact and seal.trusted
        assert seal.signer == f"Gemeinde Kriens (BFS {kriens.bfs_number})"
        assert seal.reason == f"Wohnsitzbestätigung {slug}"
        assert steps[1].output["sealed_by"] == seal.signer
        with docs[f"qr-einzahlungsschein-{slug}.svg"].file.open("rb") as f:
            svg = f.read().decode()
        assert "<svg" in svg and "20.00" in svg
        invoice = steps[2].output
        assert invoice["amount"] == "20.00" and invoice["reference_type"] == "QRR"
        events = list(case.events.filter(kind="step_completed").values_list("text", flat=True))
        assert len(events) == 3
        assert person["person_id"] in events[0] and "automatisch erledigt" in events[0]
        assert "PDF" in events[1] and "CHF 20.00" in events[2]


def test_redelivered_steps_store_nothing_twice(
    kriens, in_commune, resident_of, mailoutbox, django_capture_on_commit_callbacks
):
    """A message delivered again after the case completed changes nothing (no document, event
    or e-mail); a handler run twice with the same call stores its document once."""
    resident = resident_of(kriens)
    with in_commune(kriens):
        case = _submit(resident)
        flush_queue(NOTIFICATION_QUEUE)
        with django_capture_on_commit_callbacks(execute=True):
            case = run_automated(case)
        assert run_queued(NOTIFICATION_QUEUE) == 1  # the completion notice, by its job
        assert [m.to for m in mailoutbox] == [[resident.email]]
        events = case.events.count()
        with django_capture_on_commit_callbacks(execute=True):
            for step in case.steps.all():
                assert step_run(step_id=step.pk) is None
        assert case.documents.count() == 3 and case.events.count() == events
        assert run_queued(NOTIFICATION_QUEUE) == 0
        assert len(mailoutbox) == 1
        for step in case.steps.filter(key__in=["certificate", "invoice"]):
            call = handlers.StepCall(
                case_id=case.pk,
                reference=case.reference,
                service_key="wohnsitzbestaetigung",
                step_key=step.key,
                adapter_key=step.adapter_key,
                idempotency_key=step.idempotency_key,
                data=case.data,
                previous_outputs=step.input["previous_outputs"],
                applicant=step.input["applicant"],
            )
            handlers.handler_get(step.adapter_key)(call)
        assert case.documents.count() == 3


def test_register_5xx_is_retried_then_recovers(kriens, in_commune, resident_of, control):
    """HTTP 500 from the register: the step fails transiently (the job is retried), the failure
    is recorded once for the canton; the next delivery succeeds and the case completes."""
    resident = resident_of(kriens)
    with in_commune(kriens):
        case = _submit(resident)
        step = case.steps.get(position=1)
        control("resident", "error500", count=1)
        with pytest.raises(handlers.TransientStepError):
            step_run(step_id=step.pk, final_attempt=False)
        step.refresh_from_db()
        assert step.status == StepStatus.FAILED and "HTTP 500" in step.last_error
        case = run_automated(case)
        assert case.status == CaseStatus.COMPLETED
    failure = AdapterFailure.objects.get(case_id=case.pk)
    assert failure.commune_bfs == kriens.bfs_number and failure.error_code == "http_500"
    assert failure.transient and not failure.handed_to_clerk
    assert failure.adapter_key == "resident_register.identify" and failure.attempt == 1


def test_person_not_found_becomes_a_clerk_task(kriens, in_commune, resident_of):
    """Someone the register does not know: no retry, a manual task with input and error, and
    nothing produced."""
    stranger = {**demo_person(kriens.bfs_number), "official_name": "Niemand"}
    resident = resident_of(kriens, stranger)
    with in_commune(kriens):
        case = run_automated(_submit(resident))
        step = case.steps.get(position=1)
        assert step.status == StepStatus.MANUAL_FALLBACK
        assert "nicht gefunden" in step.last_error and "person_not_found" in step.last_error
        assert step.input["applicant"]["last_name"] == "Niemand"
        assert case.status == CaseStatus.IN_PROGRESS
        assert case.documents.count() == 0
        assert case.events.filter(kind="step_manual_fallback").exists()
    failure = AdapterFailure.objects.get(case_id=case.pk)
    assert failure.handed_to_clerk and not failure.transient
    assert failure.error_code == "person_not_found"


def test_invoice_without_pdf_when_switched_off(kriens, in_commune, resident_of, settings):
    """With CASES_INVOICE_PDF off the invoice is the QR payment part (SVG) only."""
    settings.CASES_INVOICE_PDF = False
    resident = resident_of(kriens)
    with in_commune(kriens):
        case = run_automated(_submit(resident))
        assert case.status == CaseStatus.COMPLETED
        names = set(case.documents.values_list("name", flat=True))
        assert names == {
            f"wohnsitzbestaetigung-{case.reference}.pdf",
            f"qr-einzahlungsschein-{case.reference}.svg",
        }


def test_resident_sees_status_documents_and_automatic_steps(
    kriens, in_commune, resident_of, commune_client
):
    """On the resident's case page: completed, the certificate and the invoice to download,
    and the steps that ran automatically; the certificate downloads as PDF attachment."""
    resident = resident_of(kriens)
    with in_commune(kriens):
        case = run_automated(_submit(resident))
        certificate = case.documents.get(name=f"wohnsitzbestaetigung-{case.reference}.pdf")
    client = commune_client(kriens, user=resident)
    html = client.get(f"/meine-geschaefte/{case.pk}/").content.decode()
    assert "abgeschlossen" in html
    assert f"wohnsitzbestaetigung-{case.reference}.pdf" in html
    assert f"rechnung-{case.reference}.pdf" in html
    assert "automatisch erledigt" in html
    download = client.get(f"/dokumente/{certificate.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
