"""In a real browser: login through the reference identity provider (AGOV / e-ID stand-in),
picking the person on its page, then single sign-on on a second commune host."""

import re

from integrations.reference import demo_person

from .harness import E2E_DB, assert_accessible

pytestmark = E2E_DB


def test_login_at_the_provider_then_single_sign_on_in_emmen(
    browser_page, e2e_commune, identity_provider
):
    """Kriens: «Anmelden mit …» → the provider's page (commune, person, e-ID) → back, logged
    in, profile read-only from the provider; Emmen: the provider answers without its page."""
    e2e_commune("kriens")
    e2e_commune("emmen")
    page = browser_page
    portal = page.portal
    person = demo_person(1059)

    page.goto(portal.url("kriens", "/login/"))
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Anmelden mit")).click()
    page.wait_for_url(re.compile(r"127\.0\.0\.1:\d+/authorize"))
    assert_accessible(page)
    page.get_by_label("Gemeinde").select_option(label="Kriens")
    page.get_by_role("button", name="Personen anzeigen").click()
    assert_accessible(page)
    page.get_by_label(re.compile(f"{person['first_name']} {person['official_name']}")).check()
    page.get_by_label("Qualität der Anmeldung").select_option("eid")
    page.get_by_role("button", name="Anmelden", exact=True).click()
    page.wait_for_url(portal.url("kriens", "/"))
    name = f"{person['first_name']} {person['official_name']}"
    page.get_by_role("link", name=re.compile(name)).click()
    page.wait_for_url(re.compile(r"/profil/$"))
    assert_accessible(page)
    assert page.get_by_label("AHV-Nummer").is_disabled()
    assert "übernommen am" in page.content()

    page.goto(portal.url("emmen", "/anmelden/e-id/"))
    page.wait_for_url(portal.url("emmen", "/"))
    assert_accessible(page)
    assert page.get_by_role("link", name=re.compile(name)).is_visible()
