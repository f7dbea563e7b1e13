"""The portal end to end in a real browser: a resident finds a service by searching on the
public host, orders it on the commune's host, a clerk completes it in the back office, and the
resident sees the result."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts import models as accounts_models
from accounts import services as accounts
from tests.identity import totp_code

from .harness import E2E_DB, assert_accessible

pytestmark = E2E_DB


SERVICE_KEY = "fristerstreckung-steuererklaerung"
SERVICE_NAME = "Fristerstreckung für die Steuererklärung"
RESIDENT = "lea.meier@example.ch"
CLERK = "sachbearbeitung.steuern@kriens.example.ch"
PASSWORD = "Pilatus-Aussicht-2026"
# A minimal but real PDF: the back office checks the real type of uploads.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def kriens_with_catalogue(e2e_commune, in_commune):
    """The seeded cantonal catalogue, Kriens' default offers, a resident and a tax clerk."""
    call_command("seed_catalog", verbosity=0)
    kriens = e2e_commune("kriens")
    with in_commune(kriens):
        call_command("seed_offers", verbosity=0)
        resident, _ = accounts.user_upsert(
            email=RESIDENT, password=PASSWORD, role="resident", first_name="Lea", last_name="Meier"
        )
        accounts.profile_update(
            user=resident,
            first_name="Lea",
            last_name="Meier",
            date_of_birth=dt.date(1990, 3, 14),
            ahv_number="756.9217.0769.85",
            street="Luzernerstrasse",
            house_number="12",
            postcode="6010",
            town="Kriens",
        )
        clerk, _ = accounts.user_upsert(
            email=CLERK, password=PASSWORD, role="clerk", first_name="Sandra", last_name="Steiner"
        )
        clerk.groups.add(Group.objects.get(name="Steueramt"))
        totp_code(clerk)  # the clerk's authenticator app
    return kriens


def _login(page, email: str) -> None:
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def test_resident_orders_by_search_clerk_completes_resident_sees_result(
    kriens_with_catalogue, browser_page, open_page, in_commune
):
    """Search on the public host → service page → Kriens → order (a bad value first) → the tax
    clerk approves with a document in the back office → "Meine Geschäfte" shows the case
    completed, with the document."""
    page = browser_page
    portal = page.portal

    # 1. The resident searches on the public host, without knowing who is responsible.
    page.goto(portal.url())
    page.get_by_label("Was möchten Sie erledigen?").fill("steuererklärung frist")
    page.get_by_label("Was möchten Sie erledigen?").press("Enter")
    page.wait_for_url(re.compile(r"/katalog/suche/\?q="))
    assert_accessible(page)
    page.get_by_role("link", name=SERVICE_NAME).first.click()
    page.wait_for_url(re.compile(rf"/katalog/{SERVICE_KEY}/$"))
    assert_accessible(page)

    # 2. The service page leads to the commune's page of the service, then to the order form.
    page.get_by_label("Ihre Gemeinde").select_option(label="Kriens")
    page.get_by_role("button", name="Weiter zu meiner Gemeinde").click()
    page.wait_for_url(
        re.compile(rf"^http://kriens\.localhost:{portal.port}/dienstleistungen/{SERVICE_KEY}/$")
    )
    assert_accessible(page)
    order_path = f"/dienstleistungen/{SERVICE_KEY}/bestellen/"
    page.locator(f'a[href$="{order_path}"]').first.click()
    page.wait_for_url(re.compile(r"/login/\?next="))
    _login(page, RESIDENT)
    page.wait_for_url(re.compile(rf"{order_path}$"))
    assert_accessible(page)

    # 3. The order form: a bad value is refused at its field, then the order goes through.
    page.get_by_label("Steuerjahr").fill("1999")
    page.get_by_label("31. Juli").check()
    email = page.get_by_label("E-Mail-Adresse für Rückfragen")
    if not email.input_value():
        email.fill(RESIDENT)
    page.get_by_role("button", name="Verbindlich bestellen").click()
    assert "Steuerjahr" in page.locator("#error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Steuerjahr").fill("2025")
    page.get_by_role("button", name="Verbindlich bestellen").click()
    reference = page.locator(".confirmation .reference").inner_text()
    assert re.fullmatch(r"KRI-\d{4}-\d{6}", reference), reference
    assert_accessible(page)

    # 4. The tax office's clerk takes the case and approves it with a document.
    clerk = open_page()
    clerk.goto(portal.url("kriens", "/backoffice/"))
    clerk.wait_for_url(re.compile(r"/login/\?next="))
    _login(clerk, CLERK)
    # Staff pass their second factor: the code of the authenticator app.
    clerk.wait_for_url(re.compile(r"/zweiter-faktor/\?next="))
    assert_accessible(clerk)
    with in_commune(kriens_with_catalogue):
        code = totp_code(accounts_models.User.objects.get(email=CLERK))
    clerk.get_by_label("Code aus der Authenticator-App oder Wiederherstellungscode").fill(code)
    clerk.get_by_role("button", name="Bestätigen").click()
    clerk.wait_for_url(re.compile(r"/backoffice/$"))
    assert_accessible(clerk)
    clerk.get_by_role("link", name=reference).click()
    assert_accessible(clerk)
    _case_page_columns(clerk)
    clerk.get_by_role("button", name="Mir zuweisen").click()
    clerk.get_by_label("gutheissen (mit Dokument)").check()
    clerk.get_by_label("Dokument für die Einwohnerin / den Einwohner").set_input_files(
        {"name": "Fristerstreckung-2025.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    clerk.get_by_role("button", name="Entscheid speichern").click()
    assert clerk.locator("dl.facts .status").inner_text() == "abgeschlossen"
    assert_accessible(clerk)

    # 5. The resident sees the result under "Meine Geschäfte".
    page.get_by_role("link", name="Meine Geschäfte").first.click()
    page.wait_for_url(re.compile(r"/meine-geschaefte/$"))
    assert_accessible(page)
    row = page.locator("tr").filter(has_text=reference)
    assert row.locator(".status").inner_text() == "abgeschlossen"
    row.get_by_role("link", name=reference).click()
    assert_accessible(page)
    assert page.locator("dl.facts .status").inner_text() == "abgeschlossen"
    assert page.get_by_role("link", name="Fristerstreckung-2025.pdf").is_visible()
    assert "Gutgeheissen" in page.content()


def _case_page_columns(page) -> None:
    """The back office's case page: facts, steps and timeline beside the actions at 1280 px;
    one column without sideways scrolling on a phone (390 px)."""
    facts, actions = page.locator(".case-facts"), page.locator(".case-actions")
    wide_facts, wide_actions = facts.bounding_box(), actions.bounding_box()
    assert wide_actions["x"] >= wide_facts["x"] + wide_facts["width"]
    assert abs(wide_actions["y"] - wide_facts["y"]) < 5
    page.set_viewport_size({"width": 390, "height": 900})
    try:
        narrow_facts, narrow_actions = facts.bounding_box(), actions.bounding_box()
        assert narrow_actions["y"] >= narrow_facts["y"] + narrow_facts["height"]
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + ' ' + (e.textContent||'').slice(0,40))"""
        )
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), wide
        assert_accessible(page)
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
