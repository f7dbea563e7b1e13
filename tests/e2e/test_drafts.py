"""A Baugesuch saved as a draft in a real browser: half filled (one value invalid, the plans
uploaded), found again under "Meine Geschäfte", resumed prefilled and submitted; every page
visited passes axe-core (WCAG 2.1 A/AA) and does not scroll sideways at 390 and 320 px."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from cases.models import Case, Draft
from tests.factories import UserFactory

from .harness import E2E_DB, assert_accessible

pytestmark = E2E_DB

ORDER_PATH = "/dienstleistungen/baugesuch/bestellen/"
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def kriens_resident(e2e_commune, in_commune):
    """The seeded catalogue with Kriens' offers (the Baugesuch among them) and a resident."""
    call_command("seed_catalog", verbosity=0)
    kriens = e2e_commune("kriens")
    with in_commune(kriens):
        call_command("seed_offers", verbosity=0)
        resident = UserFactory(email="bauherrin@example.ch", first_name="Lea", last_name="Meier")
    return kriens, resident


def _checked(page, axe: Axe) -> None:
    """axe (A/AA) and no sideways scrolling at 390 and 320 px, then back to the desktop."""
    assert_accessible(page)
    for width in (1280, 390, 320):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page.url} @ {width}px: {overflow}px zu breit"
        violations = axe.run(page, options=AXE_OPTIONS).response["violations"]
        assert violations == [], f"{page.url} @ {width}px: {[v['id'] for v in violations]}"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_baugesuch_saved_as_draft_resumed_and_submitted(kriens_resident, browser_page, in_commune):
    """Save with an invalid cost and the plans → listed under "Meine Geschäfte" → resume shows
    the cost as typed and the kept plans → correct and order → the case has the plans, the
    draft is gone."""
    kriens, resident = kriens_resident
    page = browser_page
    client = Client(HTTP_HOST=kriens.primary_domain)
    with in_commune(kriens):
        client.force_login(resident)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": "kriens.localhost",
                "path": "/",
            }
        ]
    )
    axe = Axe()

    # 1. Half the Baugesuch, one value wrong, the plans attached: saved without complaint.
    page.goto(page.portal.url("kriens", ORDER_PATH))
    page.get_by_label("Art des Vorhabens").select_option(label="Umbau / Anbau")
    page.get_by_label("Grundstück-Nr.").fill("KR-1234")
    page.get_by_label("Geschätzte Baukosten (CHF)").fill("etwa 250000")
    page.get_by_label("Pläne (PDF)").set_input_files(
        {"name": "plaene.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Als Entwurf speichern").click()
    page.wait_for_url(re.compile(rf"{ORDER_PATH}$"))
    assert "Ihr Entwurf ist gespeichert" in page.locator(".messages").inner_text()
    assert page.locator("#error-summary").count() == 0
    assert page.get_by_label("Geschätzte Baukosten (CHF)").input_value() == "etwa 250000"
    assert "plaene.pdf" in page.locator(".draft-files").inner_text()
    _checked(page, axe)

    # 2. "Meine Geschäfte" lists the draft; "Weiterbearbeiten" opens it again.
    page.get_by_role("link", name="Meine Geschäfte").first.click()
    page.wait_for_url(re.compile(r"/meine-geschaefte/$"))
    row = page.locator("table.drafts tr").filter(has_text="Baugesuch einreichen")
    assert row.count() == 1
    _checked(page, axe)
    row.get_by_role("link", name=re.compile("^Weiterbearbeiten")).click()
    page.wait_for_url(re.compile(rf"{ORDER_PATH}$"))
    assert page.get_by_label("Grundstück-Nr.").input_value() == "KR-1234"
    assert page.get_by_label("Art des Vorhabens").input_value() == "conversion"

    # 3. Corrected and completed, ordered: the plans come from the draft.
    page.get_by_label("Geschätzte Baukosten (CHF)").fill("250000")
    page.get_by_label("Strasse").fill("Luzernerstrasse")
    page.get_by_label("Hausnummer").fill("12")
    page.get_by_label("PLZ").fill("6010")
    page.get_by_label("Ort").fill("Kriens")
    page.get_by_label("Beschreibung des Vorhabens").fill("Anbau eines Wintergartens")
    page.locator("#id_owner_consent-group").get_by_label("Ja").check()
    email = page.get_by_label("E-Mail-Adresse für Rückfragen")
    if not email.input_value():
        email.fill("bauherrin@example.ch")
    page.get_by_role("button", name="Verbindlich bestellen").click()
    reference = page.locator(".confirmation .reference").inner_text()
    assert re.fullmatch(r"KRI-\d{4}-\d{6}", reference), reference
    _checked(page, axe)

    with in_commune(kriens):
        case = Case.objects.get(reference=reference)
        assert case.data["cost"] == 250000 and case.data["plans"]["filename"] == "plaene.pdf"
        assert case.documents.get(field_key="plans").size == len(PDF)
        assert not Draft.objects.exists()
    page.get_by_role("link", name="Meine Geschäfte").first.click()
    page.wait_for_url(re.compile(r"/meine-geschaefte/$"))
    page.locator("tr").filter(has_text=reference).wait_for()
    assert page.locator("table.drafts").count() == 0
    page.wait_for_load_state("networkidle")  # nothing in flight when the test's data goes
