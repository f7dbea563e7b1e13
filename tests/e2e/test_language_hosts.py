"""The language chosen on one host stays chosen on another (``?lang=`` hop, config.locale)."""

from .harness import E2E_DB, assert_accessible

pytestmark = E2E_DB


def test_english_chosen_on_the_public_host_holds_on_the_commune_host(browser_page, e2e_commune):
    """English on localhost → the link to Kriens opens kriens.localhost in English at a clean
    address, later visits there stay English, and the way back to the portal is English too."""
    e2e_commune("kriens")
    page = browser_page
    page.goto(page.portal.url(None, "/"))
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Kriens", exact=True).click()
    page.wait_for_load_state()
    assert page.url == page.portal.url("kriens", "/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Welcome to the online counter of Kriens" in page.content()
    assert_accessible(page)
    page.goto(page.portal.url("kriens", "/dienstleistungen/"))
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Deutsch").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Zum kantonalen Portal").click()
    page.wait_for_load_state()
    assert page.url == page.portal.url(None, "/")
    assert page.locator("html").get_attribute("lang") == "de"
