"""Accessibility smoke checks of the shared layout in a real browser: every page passes the
automated check, and keyboard focus starts at the skip link and stays visible."""

import pytest

from .harness import E2E_DB, assert_accessible, focused

pytestmark = E2E_DB

PAGES = [
    (None, "/"),
    ("kriens", "/"),
    ("kriens", "/login/"),
    ("kriens", "/registrieren/"),
    ("kriens", "/passwort-vergessen/"),
]


@pytest.mark.parametrize(("slug", "path"), PAGES)
def test_page_passes_the_smoke_check_and_keyboard_focus_is_visible(
    browser_page, e2e_commune, slug, path
):
    """Tab reaches the skip link first; each of the next tab stops shows a visible focus ring."""
    if slug:
        e2e_commune(slug)
    page = browser_page
    page.goto(page.portal.url(slug, path))
    assert_accessible(page)

    page.keyboard.press("Tab")
    assert focused(page)["cls"] == "skip-link"
    for _ in range(6):
        stop = focused(page)
        assert stop["ringVisible"], stop
        assert stop["onScreen"], stop
        page.keyboard.press("Tab")


def test_language_switch_by_keyboard(browser_page, e2e_commune):
    """The language button is reachable by keyboard and switches the page to English."""
    e2e_commune("kriens")
    page = browser_page
    page.goto(page.portal.url("kriens", "/registrieren/"))
    for _ in range(15):
        page.keyboard.press("Tab")
        if focused(page)["text"].startswith("English"):
            break
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Create account"
    assert_accessible(page)
