"""In a real browser with a virtual authenticator: a clerk adds a passkey after the app's code,
then passes the second factor with the passkey alone."""

import re

from django_otp_webauthn.models import WebAuthnCredential

from accounts import services as accounts
from accounts.models import User
from tests.identity import totp_code

from .harness import E2E_DB, assert_accessible

pytestmark = E2E_DB
PASSWORD = "Pilatus-Aussicht-2026"
CLERK = "sandra.steiner@kriens.ch"


def _password_login(page, portal) -> None:
    page.goto(portal.url("kriens", "/backoffice/"))
    page.wait_for_url(re.compile(r"/login/\?next="))
    page.get_by_label("E-Mail-Adresse").fill(CLERK)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(r"/zweiter-faktor/\?next="))


def test_clerk_registers_a_passkey_and_uses_it_as_second_factor(
    browser_page, open_page, e2e_commune, in_commune
):
    kriens = e2e_commune("kriens")
    with in_commune(kriens):
        clerk, _ = accounts.user_upsert(email=CLERK, password=PASSWORD, role="clerk")
        code = totp_code(clerk)
    page = browser_page
    portal = page.portal
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    _password_login(page, portal)
    page.get_by_label("Code aus der Authenticator-App oder Wiederherstellungscode").fill(code)
    page.get_by_role("button", name="Bestätigen").click()
    page.wait_for_url(re.compile(r"/backoffice/$"))

    page.goto(portal.url("kriens", "/zweiter-faktor/wiederherstellungscodes/"))
    assert_accessible(page)
    page.get_by_role("button", name="Passkey registrieren").click()
    status = page.locator("#passkey-register-status-message")
    status.wait_for(state="visible")
    page.wait_for_function(
        "() => document.querySelector('#passkey-register-status-message').innerText.trim() !== ''"
    )
    with in_commune(kriens):
        assert WebAuthnCredential.objects.filter(user=User.objects.get(email=CLERK)).count() == 1

    # A new login: password, then the passkey instead of the app's code.
    page.context.clear_cookies()
    _password_login(page, portal)
    assert_accessible(page)
    page.get_by_role("button", name="Passkey verwenden").click()
    page.wait_for_url(re.compile(r"/backoffice/$"))
    assert_accessible(page)
