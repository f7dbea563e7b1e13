"""In a real browser: a resident opens an account, confirms the e-mail, logs in and completes
the profile, by keyboard where it matters, on accessible pages."""

import re

from django.core import mail

from accounts import selectors
from accounts.actors import MAIL_QUEUE
from accounts.models import User
from tests.jobs import run_queued

from .harness import E2E_DB, assert_accessible, focused

pytestmark = E2E_DB

PASSWORD = "Pilatus-Aussicht-2026"


def test_register_verify_login_and_edit_profile(browser_page, e2e_commune):
    """Registration → link from the e-mail → login → profile with a bad and a good AHV number."""
    kriens = e2e_commune("kriens")
    page = browser_page
    portal = page.portal

    page.goto(portal.url("kriens", "/registrieren/"))
    assert_accessible(page)
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["cls"] == "skip-link" and first["href"] == "#main"
    assert first["ringVisible"] and first["onScreen"]
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    page.get_by_label("E-Mail-Adresse").fill("lea.meier@example.ch")
    page.get_by_label("Vorname").fill("Lea")
    page.get_by_label("Nachname").fill("Meier")
    page.get_by_label("Passwort", exact=False).first.fill(PASSWORD)
    page.get_by_label("Passwort wiederholen").fill("etwas-anderes-2026")
    page.get_by_role("button", name="Konto eröffnen").click()
    # Server-side error: the summary lists it, takes focus and links to the field.
    summary = page.locator("#error-summary")
    assert "stimmen nicht überein" in summary.inner_text()
    assert focused(page)["id"] == "error-summary"
    assert_accessible(page)
    assert mail.outbox == []

    page.get_by_label("Passwort", exact=False).first.fill(PASSWORD)
    page.get_by_label("Passwort wiederholen").fill(PASSWORD)
    page.get_by_role("button", name="Konto eröffnen").click()
    page.wait_for_url(re.compile(r"/registrieren/gesendet/$"))
    assert_accessible(page)

    assert run_queued(MAIL_QUEUE) == 1  # the mail job, as a worker would run it
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    assert link.startswith(f"http://kriens.localhost:{portal.port}/registrieren/bestaetigen/")
    page.goto(link)
    page.wait_for_url(re.compile(r"/login/$"))
    assert "E-Mail-Adresse ist bestätigt" in page.locator(".messages").inner_text()
    assert_accessible(page)

    page.get_by_label("E-Mail-Adresse").fill("lea.meier@example.ch")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_label("Passwort").press("Enter")  # submit by keyboard
    page.wait_for_url(portal.url("kriens", "/"))

    page.get_by_role("link", name=re.compile("Lea Meier")).click()
    page.wait_for_url(re.compile(r"/profil/$"))
    assert_accessible(page)
    page.get_by_label("Geburtsdatum").fill("14.03.1990")
    page.get_by_label("Geschlecht (amtlich)").select_option(label="weiblich")
    page.get_by_label("AHV-Nummer").fill("756.9217.0769.84")
    page.get_by_label("Strasse").fill("Luzernerstrasse")
    page.get_by_label("Hausnummer").fill("12")
    page.get_by_label("Postleitzahl").fill("6010")
    page.get_by_label("Ort").fill("Kriens")
    page.get_by_role("button", name="Speichern").click()
    assert "Prüfziffer" in page.locator("#error-summary").inner_text()
    assert page.get_by_label("AHV-Nummer").get_attribute("aria-invalid") == "true"
    assert page.title().startswith("Fehler:")
    assert_accessible(page)

    page.locator("#error-summary a").first.click()
    assert focused(page)["id"] == "id_ahv_number"
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("756.9217.0769.85")
    page.get_by_role("button", name="Speichern").click()
    assert "Ihre Angaben wurden gespeichert." in page.locator(".messages").inner_text()

    from django_tenants.utils import tenant_context

    with tenant_context(kriens):
        data = selectors.profile_for(User.objects.get(email="lea.meier@example.ch"))
    assert data["ahv_number"] == "756.9217.0769.85"
    assert data["date_of_birth"] == "1990-03-14"
    assert data["postcode"] == "6010"
    assert data["sex"] == "2"


def test_my_data_page_is_accessible(browser_page, e2e_commune):
    """ "Meine Daten" (access log, export, closing the account) passes the automated check, also
    with an export being built."""
    from django_tenants.utils import tenant_context

    from accounts.services import user_upsert

    kriens = e2e_commune("kriens")
    with tenant_context(kriens):
        user_upsert(email="mia.daten@example.ch", password=PASSWORD, role="resident")
    page = browser_page
    portal = page.portal
    page.goto(portal.url("kriens", "/login/"))
    page.get_by_label("E-Mail-Adresse").fill("mia.daten@example.ch")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.goto(portal.url("kriens", "/meine-daten/"))
    assert "Zugriffe auf meine Daten" in page.content()
    assert_accessible(page)
    page.get_by_role("button", name="Als lesbares Dokument (PDF) erstellen").click()
    assert "Ihr Export wird erstellt" in page.content()
    assert page.get_by_role("link", name="Seite neu laden").is_visible()
    assert_accessible(page)
