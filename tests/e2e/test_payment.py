"""The "Bezahlen" flow in a real browser: the resident pays a case's fee on the reference
payment provider's page and comes back to the case, which shows the fee paid."""

import re

import httpx
import pytest

from accounts import services as accounts
from cases.services import case_submit
from catalog.models import ServiceVersion
from integrations.reference import processes
from integrations.registry import registry
from tests.cases.factories import offer, service_with_steps

from .harness import E2E_DB, assert_accessible

pytestmark = E2E_DB

RESIDENT = "nora.keller@example.ch"
PASSWORD = "Pilatus-Aussicht-2026"


@pytest.fixture
def provider(settings):
    """The reference provider as a process; its notification is lost on purpose, so the case
    is paid through the return page's status query (the browser is never trusted)."""
    running = processes.start_register("payment", port=0, wait=60)
    settings.INTEGRATIONS = {
        **settings.INTEGRATIONS,
        "payment": {**settings.INTEGRATIONS["payment"], "url": running.url},
    }
    registry.reset()
    httpx.post(f"{running.url}/_payment_control", json={"notify": "lost"}, timeout=5)
    yield running.url
    registry.reset()
    running.stop()


@pytest.fixture
def online_case(e2e_commune, in_commune):
    version = service_with_steps(key="hundemarke-online", fee="45.00")
    ServiceVersion.objects.filter(pk=version.pk).update(payment_mode="online")
    kriens = e2e_commune("kriens")
    with in_commune(kriens):
        offer(version)
        resident, _ = accounts.user_upsert(
            email=RESIDENT,
            password=PASSWORD,
            role="resident",
            first_name="Nora",
            last_name="Keller",
        )
        return case_submit(user=resident, service_key="hundemarke-online", data={"reason": "Hund"})


def test_resident_pays_online(online_case, provider, browser_page):
    """Case page with "Bezahlen (CHF 45.00)" → provider's page → back: "bezahlt am …"."""
    page = browser_page
    page.goto(page.portal.url("kriens", f"/meine-geschaefte/{online_case.pk}/"))
    page.wait_for_url(re.compile(r"/login/\?next="))
    page.get_by_label("E-Mail-Adresse").fill(RESIDENT)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(rf"/meine-geschaefte/{online_case.pk}/$"))
    assert "offen" in page.locator("#zahlung-titel + dl").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Bezahlen (CHF 45.00)").click()
    page.wait_for_url(re.compile(rf"^{re.escape(provider)}/v1/start/\d+$"))
    assert "CHF 45.00" in page.content()
    page.get_by_role("button", name="Bezahlen", exact=True).click()
    page.wait_for_url(re.compile(rf"/meine-geschaefte/{online_case.pk}/$"))
    assert "Vielen Dank, die Gebühr ist bezahlt." in page.locator(".messages").inner_text()
    assert re.search(
        r"bezahlt am \d\d\.\d\d\.\d{4}", page.locator("#zahlung-titel + dl").inner_text()
    )
    assert page.get_by_role("button", name=re.compile("Bezahlen")).count() == 0
    assert_accessible(page)
