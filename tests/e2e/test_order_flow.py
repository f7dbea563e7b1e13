"""The portal end to end in a real browser: a resident finds a service by searching on the
public host, orders it on the commune's host, a clerk completes it in the back office, and the
resident sees the result."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts import services as accounts

from .harness import E2E_DB, assert_accessible

pytestmark = E2E_DB

# Interim: the catalogue pages (branch catalog) and the order pages and back office (branch
# cases) are not merged into this branch yet.
PAGES_PENDING = pytest.mark.xfail(
    reason="Katalog-Seiten (catalog) und Bestellung/Backoffice (cases) noch nicht zusammengeführt",
    strict=False,
)

SERVICE_KEY = "fristerstreckung-steuererklaerung"
SERVICE_NAME = "Fristerstreckung für die Steuererklärung"
RESIDENT = "lea.meier@example.ch"
CLERK = "sachbearbeitung.steuern@kriens.example.ch"
PASSWORD = "Pilatus-Aussicht-2026"


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
    return kriens


def _login(page, email: str) -> None:
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


@PAGES_PENDING
def test_resident_orders_by_search_clerk_completes_resident_sees_result(
    kriens_with_catalogue, browser_page, open_page
):
    """Search → service page → order on kriens.localhost → back office completes → "Meine
    Geschäfte" shows the case as completed."""
    page = browser_page
    portal = page.portal

    # 1. The resident searches on the public host, without knowing who is responsible.
    page.goto(portal.url(path="/katalog/suche/?q=steuererklärung+frist"))
    assert_accessible(page)
    page.get_by_role("link", name=SERVICE_NAME).first.click()
    page.wait_for_url(re.compile(rf"/katalog/{SERVICE_KEY}/$"))
    assert_accessible(page)

    # 2. The service page leads to Kriens' page of the service, then to the order form.
    page.locator(
        f'a[href*="kriens.localhost:{portal.port}/dienstleistungen/{SERVICE_KEY}/"]'
    ).first.click()
    page.wait_for_url(
        re.compile(rf"kriens\.localhost:{portal.port}/dienstleistungen/{SERVICE_KEY}/")
    )
    assert_accessible(page)
    order_path = f"/dienstleistungen/{SERVICE_KEY}/bestellen/"
    link = page.locator(f'a[href$="{order_path}"]')
    if link.count():
        link.first.click()
    else:
        page.goto(portal.url("kriens", order_path))
    if "/login/" in page.url:
        _login(page, RESIDENT)
    page.wait_for_url(re.compile(rf"{order_path}$"))
    assert_accessible(page)

    # 3. The order form: a bad value is refused per field, then the order goes through.
    page.get_by_label("Steuerjahr").fill("1999")
    page.get_by_label("31. Juli").check()
    email = page.get_by_label("E-Mail-Adresse für Rückfragen")
    if not email.input_value():
        email.fill(RESIDENT)
    page.get_by_role("button", name=re.compile("(absenden|bestellen|einreichen)", re.I)).click()
    assert page.locator("#error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Steuerjahr").fill("2025")
    page.get_by_role("button", name=re.compile("(absenden|bestellen|einreichen)", re.I)).click()
    reference = re.search(r"KRI-\d{4}-\d{6}", page.content())
    assert reference, page.content()
    reference = reference.group(0)
    assert_accessible(page)

    # 4. The clerk of the tax office completes it in the back office.
    clerk = open_page()
    clerk.goto(portal.url("kriens", "/backoffice/"))
    if "/login/" in clerk.url:
        _login(clerk, CLERK)
    clerk.wait_for_url(re.compile(r"/backoffice/"))
    assert_accessible(clerk)
    clerk.get_by_role("link", name=re.compile(reference)).first.click()
    assert_accessible(clerk)
    clerk.get_by_role(
        "button", name=re.compile("(erledigt|abschliessen|gewähren)", re.I)
    ).first.click()
    assert re.search("abgeschlossen", clerk.content(), re.I)

    # 5. The resident sees the result under "Meine Geschäfte".
    page.goto(portal.url("kriens", "/meine-geschaefte/"))
    assert_accessible(page)
    row = page.locator("tr, li, article").filter(has_text=reference).first
    assert "abgeschlossen" in row.inner_text().lower()
    row.get_by_role("link").first.click()
    assert_accessible(page)
    assert "abgeschlossen" in page.content().lower()
