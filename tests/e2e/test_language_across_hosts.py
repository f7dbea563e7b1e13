"""The language chosen on the public host holds on a commune host, and back."""

from .harness import E2E_DB

pytestmark = E2E_DB


def test_english_chosen_on_the_public_host_holds_on_the_commune_host(browser_page, e2e_commune):
    """English switched on at the cantonal portal is English on kriens.localhost; German
    switched back there is German on the public host."""
    e2e_commune("kriens")
    page = browser_page
    page.goto(page.portal.url(None, "/"))
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"

    page.goto(page.portal.url("kriens", "/"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Welcome to the online counter of Kriens" in page.content()

    page.get_by_role("button", name="Deutsch").click()
    page.goto(page.portal.url(None, "/"))
    assert page.locator("html").get_attribute("lang").startswith("de")
