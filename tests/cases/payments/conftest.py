"""Fixtures of the payment tests: the reference payment provider as a real process, a Kriens
service whose fee is paid online, and helpers to drive the provider's payment page."""

from __future__ import annotations

import httpx
import pytest

from catalog.models import ServiceVersion
from integrations.reference import processes
from integrations.registry import registry
from tests.cases.factories import offer, service_with_steps


@pytest.fixture(scope="session")
def payment_provider_url():
    provider = processes.start_register("payment", port=0, wait=60)
    yield provider.url
    provider.stop()


@pytest.fixture
def provider(payment_provider_url, settings):
    """The portal's payment configuration points at the reference provider; its switches are
    reset and notifications are kept (not delivered) so tests deliver them themselves."""
    settings.INTEGRATIONS = {
        **settings.INTEGRATIONS,
        "payment": {**settings.INTEGRATIONS["payment"], "url": payment_provider_url},
    }
    registry.reset()
    processes.control(payment_provider_url, "ok")
    switches(payment_provider_url, notify="lost", clear=True)
    yield payment_provider_url
    processes.control(payment_provider_url, "ok")
    switches(payment_provider_url, notify="lost", clear=True)
    registry.reset()


def switches(url: str, **values) -> dict:
    return httpx.post(f"{url}/_payment_control", json=values, timeout=5).json()


def notifications(url: str) -> list[dict]:
    return httpx.get(f"{url}/_payment_control", timeout=5).json()["notifications"]


def pay(redirect_url: str, outcome: str) -> httpx.Response:
    """The resident presses a button on the provider's payment page (success|cancel|fail)."""
    page = httpx.get(redirect_url, timeout=5)
    assert page.status_code == 200
    return httpx.post(f"{redirect_url}/{outcome}", timeout=10, follow_redirects=False)


@pytest.fixture
def online_version(db):
    online = service_with_steps(key="hundemarke-online", fee="45.00")
    ServiceVersion.objects.filter(pk=online.pk).update(payment_mode="online")
    online.refresh_from_db()
    return online


@pytest.fixture
def online_setup(kriens, in_commune, kriens_setup, online_version):
    with in_commune(kriens):
        offer(online_version)
    return kriens_setup
