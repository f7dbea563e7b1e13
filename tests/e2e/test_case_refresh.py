"""The resident's case page follows a running step by itself (htmx, every 3 s)."""

from django.conf import settings
from django.test import Client

from cases.models import CaseStatus, StepStatus
from cases.services import case_submit
from tests.cases.factories import offer, service_with_steps
from tests.factories import UserFactory

from .harness import E2E_DB, assert_accessible

pytestmark = E2E_DB

AUTOMATED = [{"key": "rechnung", "kind": "automated", "adapter": "billing.qr_invoice"}]


def test_status_block_updates_itself_and_then_stops(browser_page, e2e_commune, in_commune):
    """While a step is queued the block polls; once the case is done the new block shows it
    without a reload and carries no polling any more."""
    kriens = e2e_commune("kriens")
    with in_commune(kriens):
        offer(service_with_steps(key="auto-refresh", steps=AUTOMATED))
        resident = UserFactory()
        case = case_submit(user=resident, service_key="auto-refresh", data={"reason": "x"})
        case.steps.update(status=StepStatus.PENDING)
        client = Client(HTTP_HOST=kriens.primary_domain)
        client.force_login(resident)
    page = browser_page
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": f"{kriens.slug}.localhost",
                "path": "/",
            }
        ]
    )
    page.goto(page.portal.url("kriens", f"/meine-geschaefte/{case.pk}/"))
    block = page.locator("#case-state")
    assert block.get_attribute("hx-trigger") == "every 3s"
    assert "in wenigen Minuten" in block.inner_text()
    page.evaluate("() => { window.notReloaded = true; }")
    with in_commune(kriens):
        case.steps.update(status=StepStatus.DONE)
        case.status = CaseStatus.COMPLETED
        case.save(update_fields=["status"])
    page.locator("#case-state .status", has_text="abgeschlossen").first.wait_for(timeout=10_000)
    assert page.evaluate("() => window.notReloaded") is True
    assert page.locator("#case-state").get_attribute("hx-trigger") is None
    assert_accessible(page)
