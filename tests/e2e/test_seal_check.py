"""The public seal check in a real browser: upload a sealed document, read the result; the page
passes axe and does not scroll sideways on a phone."""

from integrations.adapters.documents.data import SealRequest
from integrations.adapters.documents.pdf import render_pdf
from integrations.registry import get

from .harness import E2E_DB, assert_accessible

pytestmark = E2E_DB


def test_a_resident_checks_a_sealed_document(browser_page):
    sealed = (
        get("documents.seal")
        .call(
            SealRequest(
                pdf=render_pdf("<p>Wohnsitzbestätigung</p>").content,
                commune_name="Kriens",
                bfs_number=1059,
                reference="KRI-2026-000007",
                title="Wohnsitzbestätigung",
            ),
            idempotency_key="e2e-seal",
        )
        .content
    )
    page = browser_page
    page.goto(page.portal.url(None, "/siegel-pruefen/"))
    assert_accessible(page)
    page.get_by_role("button", name="Siegel prüfen").click()
    assert "Bitte wählen Sie das PDF aus" in page.locator("#error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Dokument (PDF)").set_input_files(
        {"name": "bestaetigung.pdf", "mimeType": "application/pdf", "buffer": sealed}
    )
    page.get_by_role("button", name="Siegel prüfen").click()
    result = page.locator(".seal-result")
    assert "Das Siegel ist gültig" in result.inner_text()
    assert "Gemeinde Kriens (BFS 1059)" in result.inner_text()
    assert "KRI-2026-000007" in result.inner_text()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
