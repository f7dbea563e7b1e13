"""The back office for the way clerks work: they land in the inbox, which shows open cases by
due date; "Automatisierung gescheitert" only where an automated step failed; the stage in plain
language; the applicant's identity and address on the case; an invoice step never "erledigt"
without its invoice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import ResidentProfile
from cases import handlers
from cases.exceptions import InvalidTransition
from cases.models import Case, CaseStatus, Document, StepStatus
from cases.services import case_decide, case_submit, step_retry
from catalog.offers.models import Stage
from tests.factories import UserFactory

from .factories import offer, service_with_steps

pytestmark = pytest.mark.django_db

PASSWORD = "Sicheres-Passwort-2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
INVOICED = [
    {"key": "pruefen", "kind": "manual", "group": "Einwohnerdienste"},
    {"key": "rechnung", "kind": "automated", "adapter": "billing.qr_invoice"},
    {"key": "ausstellen", "kind": "manual", "group": "Einwohnerdienste"},
]


@pytest.fixture
def invoiced(kriens, in_commune, kriens_setup):
    """Kriens offers a CHF 400 service with an invoice step at stage form; the resident has an
    address in the profile."""
    version = service_with_steps(key="parkkarte-rechnung", steps=INVOICED, fee="400.00")
    with in_commune(kriens):
        offer(version, stage=Stage.FORM)
        ResidentProfile.objects.update_or_create(
            user=kriens_setup["resident"],
            defaults={
                "street": "Schachenstrasse",
                "house_number": "7",
                "postcode": "6010",
                "town": "Kriens",
            },
        )
    return kriens_setup


def _order(people, key="parkkarte-rechnung"):
    return case_submit(user=people["resident"], service_key=key, data={"reason": "Parkkarte"})


def _finish_first_step(client, case, in_commune, commune):
    with in_commune(commune):
        step = case.steps.get(position=1)
    return client.post(f"/backoffice/geschaefte/{case.pk}/schritte/{step.pk}/erledigt/")


def test_clerks_land_in_the_inbox_residents_on_the_home_page(kriens, in_commune):
    """Logging in without ``next``: a clerk and an administrator go to /backoffice/, a resident
    to the start page; an explicit ``next`` still wins."""
    with in_commune(kriens):
        clerk = UserFactory(clerk=True, email="klerk@kriens.test")
        admin = UserFactory(admin=True, email="admin@kriens.test")
        resident = UserFactory(email="anna@kriens.test")
    for user, target in ((clerk, "/backoffice/"), (admin, "/backoffice/"), (resident, "/")):
        client = Client(HTTP_HOST=kriens.primary_domain)
        response = client.post("/login/", {"username": user.email, "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"] == target, user.role
    client = Client(HTTP_HOST=kriens.primary_domain)
    response = client.post(
        "/login/?next=/meine-geschaefte/", {"username": clerk.email, "password": PASSWORD}
    )
    assert response["Location"] == "/meine-geschaefte/"


def test_inbox_default_is_open_cases_by_due_date(kriens, in_commune, logged_in, kriens_setup):
    """Without a status filter the inbox lists open cases only, the nearest due date first;
    "alle" adds the closed ones after the open ones, the latest first."""
    today = timezone.localdate()
    with in_commune(kriens):
        late, soon, closed_old, closed_new = (
            _order(kriens_setup, "parkkarte-test") for _ in "1234"
        )
        Case.objects.filter(pk=late.pk).update(due_date=today + dt.timedelta(days=9))
        Case.objects.filter(pk=soon.pk).update(due_date=today + dt.timedelta(days=2))
        for case, days_ago in ((closed_old, 5), (closed_new, 1)):
            Case.objects.filter(pk=case.pk).update(
                status=CaseStatus.COMPLETED, closed_at=timezone.now() - dt.timedelta(days=days_ago)
            )
    client = logged_in(kriens, kriens_setup["clerk"])
    response = client.get("/backoffice/")
    assert [c.reference for c in response.context["page"]] == [soon.reference, late.reference]
    assert response.context["filters"].status == "offen"
    assert response.context["counts"]["offen"] == 2
    everything = client.get("/backoffice/?status=alle")
    assert [c.reference for c in everything.context["page"]] == [
        soon.reference,
        late.reference,
        closed_new.reference,
        closed_old.reference,
    ]
    # an unknown status value falls back to the default view instead of an error
    assert client.get("/backoffice/?status=quatsch").context["filters"].status == "offen"


def test_form_stage_is_no_automation_failure(kriens, in_commune, logged_in, invoiced):
    """At stage form the invoice step is a clerk's task by design: no "Automatisierung
    gescheitert" badge or counter, no "Automatisch wiederholen", the stage in plain words."""
    with in_commune(kriens):
        case = _order(invoiced)
    client = logged_in(kriens, invoiced["clerk"])
    _finish_first_step(client, case, in_commune, kriens)
    with in_commune(kriens):
        assert case.steps.get(key="rechnung").status == StepStatus.MANUAL_FALLBACK
    inbox = client.get("/backoffice/")
    assert inbox.context["counts"]["disrupted"] == 0
    assert case.pk not in inbox.context["disrupted_ids"]
    page = client.get(f"/backoffice/geschaefte/{case.pk}/").content.decode()
    assert "Automatisierung gescheitert" not in page
    assert "Automatisch wiederholen" not in page
    assert "Formular: Sie erledigen alle Schritte von Hand" in page
    assert "Stufe: form" not in page
    with in_commune(kriens):
        step = case.steps.get(key="rechnung")
        with pytest.raises(InvalidTransition):
            step_retry(step_id=step.pk, user=invoiced["clerk"])
        step.refresh_from_db()
        assert step.status == StepStatus.MANUAL_FALLBACK
        assert not case.events.filter(kind="step_retry").exists()


def test_failed_automation_is_flagged(kriens, in_commune, logged_in, invoiced):
    """An automated step the machine tried and gave up on is counted and badged, and offers
    "Automatisch wiederholen" at stage automated."""
    version = service_with_steps(
        key="automatisch-rechnung",
        steps=[{"key": "rechnung", "kind": "automated", "adapter": "billing.qr_invoice"}],
    )
    with in_commune(kriens):
        offer(version, stage=Stage.AUTOMATED)
        case = _order(invoiced, "automatisch-rechnung")
        case.steps.filter(key="rechnung").update(
            status=StepStatus.MANUAL_FALLBACK, attempts=3, last_error="Dienst nicht erreichbar"
        )
    client = logged_in(kriens, invoiced["admin"])
    inbox = client.get("/backoffice/")
    assert inbox.context["counts"]["disrupted"] == 1
    assert case.pk in inbox.context["disrupted_ids"]
    page = client.get(f"/backoffice/geschaefte/{case.pk}/").content.decode()
    assert "Automatisierung gescheitert" in page
    assert "Automatisch wiederholen" in page


def test_case_page_shows_the_applicants_address_and_identity(
    kriens, in_commune, logged_in, invoiced
):
    """The applicant's address (from the profile, marked as unconfirmed until a register
    confirms it) and whether the identity was verified; never an AHV number."""
    with in_commune(kriens):
        case = _order(invoiced)
    client = logged_in(kriens, invoiced["clerk"])
    response = client.get(f"/backoffice/geschaefte/{case.pk}/")
    page = response.content.decode()
    assert "Schachenstrasse 7, 6010 Kriens" in page
    assert "nicht vom Register bestätigt" in page
    assert "nicht verifiziert" in page
    assert "756." not in page
    with in_commune(kriens):
        case.steps.filter(key="pruefen").update(
            status=StepStatus.DONE,
            output={
                "person": {
                    "address": {
                        "street": "Luzernerstrasse",
                        "house_number": "1",
                        "postcode": "6010",
                        "town": "Kriens",
                    }
                }
            },
        )
    page = client.get(f"/backoffice/geschaefte/{case.pk}/").content.decode()
    assert "Luzernerstrasse 1, 6010 Kriens" in page
    assert "laut Einwohnerregister" in page


def test_finishing_the_invoice_step_by_hand_issues_the_invoice(
    kriens, in_commune, logged_in, invoiced
):
    """The clerk's "Rechnung erstellen und Schritt abschliessen" issues the QR-bill (PDF and
    payment part on the case) before the step is done."""
    with in_commune(kriens):
        case = _order(invoiced)
    client = logged_in(kriens, invoiced["clerk"])
    _finish_first_step(client, case, in_commune, kriens)
    page = client.get(f"/backoffice/geschaefte/{case.pk}/").content.decode()
    assert "Rechnung erstellen und Schritt abschliessen" in page
    with in_commune(kriens):
        step = case.steps.get(key="rechnung")
    response = client.post(f"/backoffice/geschaefte/{case.pk}/schritte/{step.pk}/erledigt/")
    assert response.status_code == 302
    with in_commune(kriens):
        step.refresh_from_db()
        assert step.status == StepStatus.DONE
        assert step.output["amount"] == "400.00"
        names = set(case.documents.values_list("name", flat=True))
        assert any(n.startswith("rechnung-") and n.endswith(".pdf") for n in names)
        assert any(n.startswith("qr-einzahlungsschein-") for n in names)
        assert case.events.filter(kind="invoice_issued").count() == 1


def test_approving_issues_the_pending_invoice(kriens, in_commune, logged_in, invoiced):
    """Approving a case whose invoice step is still open issues the invoice: no invoice step
    is "erledigt" without its invoice."""
    with in_commune(kriens):
        case = _order(invoiced)
        case_decide(
            case=case,
            user=invoiced["clerk"],
            approve=True,
            document=SimpleUploadedFile("parkkarte.pdf", PDF, content_type="application/pdf"),
        )
        step = case.steps.get(key="rechnung")
        assert step.status == StepStatus.DONE
        assert step.output["amount"] == "400.00"
        assert case.documents.filter(name__startswith="rechnung-").count() == 1


def test_invoice_that_cannot_be_issued_changes_nothing(kriens, in_commune, logged_in, invoiced):
    """If the invoice cannot be issued the clerk sees why and the step stays open; nothing is
    stored."""
    original = handlers.handler_get("billing.qr_invoice")

    @handlers.register("billing.qr_invoice")
    def broken(call):
        raise handlers.PermanentStepError("Kein QR-IBAN für die Gemeinde hinterlegt")

    try:
        with in_commune(kriens):
            case = _order(invoiced)
        client = logged_in(kriens, invoiced["clerk"])
        _finish_first_step(client, case, in_commune, kriens)
        with in_commune(kriens):
            step = case.steps.get(key="rechnung")
            documents = Document.objects.filter(case=case).count()
            events = case.events.count()
        response = client.post(
            f"/backoffice/geschaefte/{case.pk}/schritte/{step.pk}/erledigt/", follow=True
        )
        assert "Kein QR-IBAN für die Gemeinde hinterlegt" in response.content.decode()
        with in_commune(kriens):
            step.refresh_from_db()
            assert step.status == StepStatus.MANUAL_FALLBACK
            assert Document.objects.filter(case=case).count() == documents
            assert case.events.count() == events
            with pytest.raises(InvalidTransition):
                case_decide(
                    case=case,
                    user=invoiced["clerk"],
                    approve=True,
                    document=SimpleUploadedFile("p.pdf", PDF, content_type="application/pdf"),
                )
            case.refresh_from_db()
            assert case.is_open
    finally:
        handlers.register("billing.qr_invoice")(original)
