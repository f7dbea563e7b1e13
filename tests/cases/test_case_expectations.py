"""What the resident's case page promises: status explanation, "in wenigen Minuten" for
automated work vs the norm date for manual work, self-refresh while a step runs, and what a
withdrawn case means for the fee."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import CaseStatus, StepStatus
from cases.services import case_submit, case_withdraw

from .factories import offer, service_with_steps

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
AUTOMATED = [{"key": "rechnung", "kind": "automated", "adapter": "billing.qr_invoice"}]


@pytest.fixture
def resident_client(kriens, logged_in, kriens_setup):
    return logged_in(kriens, kriens_setup["resident"])


def _order(kriens, in_commune, people, key="parkkarte-test"):
    with in_commune(kriens):
        return case_submit(user=people["resident"], service_key=key, data={"reason": "x"})


def test_manual_case_shows_the_norm_date_and_explains_its_status(
    kriens, in_commune, kriens_setup, resident_client
):
    """A case waiting for a clerk shows the due date from the service norm, the status
    explanation, and no self-refresh."""
    case = _order(kriens, in_commune, kriens_setup)
    html = resident_client.get(f"/meine-geschaefte/{case.pk}/").content.decode()
    assert case.due_date.strftime("%d.%m.%Y") in html
    assert "in wenigen Minuten" not in html
    assert "Bestellung ist bei der Gemeinde eingegangen" in html
    assert "hx-get" not in html and "htmx" in html


def test_automated_case_says_in_a_few_minutes_and_refreshes_itself(
    kriens, in_commune, kriens_setup, resident_client
):
    """While only automated steps remain, the page promises "in wenigen Minuten" and marks
    the status block for self-refresh; the block alone is served for the refresh."""
    with in_commune(kriens):
        offer(service_with_steps(key="auto-test", steps=AUTOMATED))
    case = _order(kriens, in_commune, kriens_setup, key="auto-test")
    with in_commune(kriens):
        # Queued for the worker (the form stage hands automated steps to a clerk at once).
        case.steps.update(status=StepStatus.PENDING)
    html = resident_client.get(f"/meine-geschaefte/{case.pk}/").content.decode()
    assert "in wenigen Minuten" in html
    assert case.due_date.strftime("%d.%m.%Y") not in html
    assert 'hx-get="?teil=stand&amp;runde=1" hx-trigger="every 3s" hx-swap="outerHTML"' in html
    part = resident_client.get(f"/meine-geschaefte/{case.pk}/", {"teil": "stand"})
    body = part.content.decode()
    assert part.status_code == 200
    assert body.lstrip().startswith('<div id="case-state"') and "<html" not in body
    later = resident_client.get(f"/meine-geschaefte/{case.pk}/", {"teil": "stand", "runde": "7"})
    assert 'hx-get="?teil=stand&amp;runde=8"' in later.content.decode()
    # After ten minutes (200 rounds) the block stops asking; a reload starts again.
    last = resident_client.get(f"/meine-geschaefte/{case.pk}/", {"teil": "stand", "runde": "200"})
    assert "hx-get" not in last.content.decode() and "in wenigen Minuten" in last.content.decode()

    with in_commune(kriens):
        case.steps.update(status=StepStatus.DONE)
        case.status = CaseStatus.COMPLETED
        case.save(update_fields=["status"])
    done = resident_client.get(f"/meine-geschaefte/{case.pk}/", {"teil": "stand"})
    assert "hx-get" not in done.content.decode()


def test_withdrawn_case_says_withdrawn_and_no_fee(
    kriens, in_commune, kriens_setup, resident_client
):
    """A withdrawn case without an invoice reads "zurückgezogen" and owes no fee."""
    case = _order(kriens, in_commune, kriens_setup)
    with in_commune(kriens):
        case_withdraw(case=case, user=kriens_setup["resident"])
    html = resident_client.get(f"/meine-geschaefte/{case.pk}/").content.decode()
    assert "zurückgezogen" in html and "Zurückgezogen am" in html
    assert "Abgeschlossen</dt>" not in html
    assert "bevor eine Rechnung gestellt wurde" in html
    assert "CHF 30.00" not in html


def test_withdrawn_case_with_invoice_keeps_the_fee(
    kriens, in_commune, kriens_setup, resident_client
):
    """Once the invoice step had issued its invoice, the withdrawn case shows the fee and why."""
    with in_commune(kriens):
        offer(service_with_steps(key="auto-test", steps=AUTOMATED))
    case = _order(kriens, in_commune, kriens_setup, key="auto-test")
    with in_commune(kriens):
        case.steps.update(status=StepStatus.DONE)
        case_withdraw(case=case, user=kriens_setup["resident"])
    html = resident_client.get(f"/meine-geschaefte/{case.pk}/").content.decode()
    assert "CHF 30.00" in html and "Rechnung war schon gestellt" in html


def test_error_title_says_fehler_once(kriens, resident_client):
    """A form with errors gets one "Fehler:" in the page title, not two."""
    html = resident_client.post(
        "/dienstleistungen/parkkarte-test/bestellen/", {"reason": "", "copies": "99"}
    ).content.decode()
    title = html[html.index("<title>") : html.index("</title>")]
    assert title.count("Fehler") == 1 and title.startswith("<title>Fehler: ")


def test_documents_are_listed_under_their_titles(kriens, in_commune, kriens_setup, resident_client):
    """An upload is listed under the label of its form field, the file name beside it."""
    pdf = SimpleUploadedFile("scan_0042.pdf", PDF, content_type="application/pdf")
    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"],
            service_key="parkkarte-test",
            data={"reason": "x"},
            files={"attachment": pdf},
        )
    html = resident_client.get(f"/meine-geschaefte/{case.pk}/").content.decode()
    assert re.search(r'download>Beilage</a>\s*<span class="help">\(scan_0042\.pdf, ', html)
