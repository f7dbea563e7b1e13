"""Per-commune connections: the registry hands each commune an adapter with its own endpoint and
credentials (two reference resident registers, one for Kriens, one for Emmen), "Verbindung
testen" reports ok/failed and records it, the reference registers accept per-commune keys."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from integrations.adapters.resident_register.data import IdentifyRequest
from integrations.base import PermanentError
from integrations.connections import connection_test, connections_test
from integrations.reference import demo_person, processes
from integrations.reference.common import commune_api_key
from integrations.registry import registry
from tenants.models import CommuneConfig
from tests.tenants.config_helpers import configure

pytestmark = pytest.mark.django_db

KEYS = {"kriens": "kriens-register-key", "emmen": "emmen-register-key"}


@pytest.fixture(scope="module")
def two_registers():
    """A resident register process for Kriens and one for Emmen, each with its own key."""
    started = {
        slug: processes.start_register("resident", api_key=key, wait=60)
        for slug, key in KEYS.items()
    }
    yield {slug: r.url for slug, r in started.items()}
    for r in started.values():
        r.stop()


@pytest.fixture
def configured(kriens, emmen, two_registers):
    for commune in (kriens, emmen):
        configure(
            commune,
            resident_register_url=two_registers[commune.slug],
            secrets={"resident_register_api_key": KEYS[commune.slug]},
        )
    return two_registers


def _identify(commune):
    person = demo_person(commune.bfs_number)
    request = IdentifyRequest(
        bfs_number=commune.bfs_number,
        vn=person["vn"],
        date_of_birth=date.fromisoformat(person["date_of_birth"]),
        official_name=person["official_name"],
        first_name=person["first_name"],
    )
    return registry.get("resident_register.identify").call(
        request, idempotency_key=f"t-{commune.slug}"
    )


def test_each_commune_calls_its_own_register(kriens, emmen, in_commune, configured):
    """In Kriens the adapter calls Kriens' register with Kriens' key; Emmen's register sees no
    call from Kriens, and the other way round."""
    before = {slug: processes.control(url)["calls"] for slug, url in configured.items()}
    with in_commune(kriens):
        adapter = registry.get("resident_register.identify")
        assert adapter.config["url"] == configured["kriens"]
        assert adapter.config["api_key"] == KEYS["kriens"]
        assert _identify(kriens).bfs_number == kriens.bfs_number
    after_kriens = {slug: processes.control(url)["calls"] for slug, url in configured.items()}
    assert after_kriens == {"kriens": before["kriens"] + 1, "emmen": before["emmen"]}
    with in_commune(emmen):
        assert registry.get("resident_register.identify") is not adapter
        assert _identify(emmen).bfs_number == emmen.bfs_number
    after_emmen = {slug: processes.control(url)["calls"] for slug, url in configured.items()}
    assert after_emmen == {"kriens": before["kriens"] + 1, "emmen": before["emmen"] + 1}


def test_a_communes_key_does_not_open_another_register(kriens, in_commune, configured):
    """Kriens configured with Emmen's endpoint but its own key: refused, a permanent error."""
    configure(
        kriens,
        resident_register_url=configured["emmen"],
        secrets={"resident_register_api_key": KEYS["kriens"]},
    )
    with in_commune(kriens), pytest.raises(PermanentError) as caught:
        _identify(kriens)
    assert caught.value.code == "unauthorized"


def test_outside_a_commune_only_the_defaults_apply(configured, settings):
    """In the public schema the registry serves the INTEGRATIONS defaults."""
    adapter = registry.get("resident_register.identify")
    assert adapter.config["url"] == settings.INTEGRATIONS["resident_register"]["url"]
    assert adapter.config["url"] not in configured.values()


def test_payment_block_is_served_per_commune_over_defaults(kriens, in_commune, settings):
    """Any block, also one no adapter here names yet (``payment``): the commune's values over
    the development defaults."""
    settings.INTEGRATIONS = {
        **settings.INTEGRATIONS,
        "payment": {"url": "http://127.0.0.1:8104", "timeout": 3.0, "merchant_id": "default"},
    }
    configure(
        kriens,
        payment_url="http://127.0.0.1:9104",
        payment_merchant_id="LU1059",
        secrets={"payment_api_password": "pw-kriens", "payment_sign_key": "sign-kriens"},
    )
    with in_commune(kriens):
        block = registry.block_for("payment")
    assert block == {
        "url": "http://127.0.0.1:9104",
        "timeout": 3.0,
        "merchant_id": "LU1059",
        "api_key": "pw-kriens",  # the adapter's names for API password and sign key
        "hmac_key": "sign-kriens",
    }


def test_connection_test_reports_ok_and_failure_and_records_them(kriens, emmen, configured):
    """Kriens' register accepts its key: ok. Emmen with a wrong key: failed, "Zugang
    verweigert". An unreachable endpoint: failed. Each result is kept on the configuration."""
    ok = connection_test(commune=kriens, block="resident_register")
    assert ok.ok and "Zugang angenommen" in ok.message
    configure(
        emmen,
        resident_register_url=configured["emmen"],
        secrets={"resident_register_api_key": "falsch"},
    )
    refused = connection_test(commune=emmen, block="resident_register")
    assert not refused.ok and "verweigert" in refused.message
    configure(
        kriens,
        resident_register_url=configured["kriens"],
        secrets={"resident_register_api_key": KEYS["kriens"]},
        dog_register_url=f"http://127.0.0.1:{processes.free_port()}",
    )
    results = {r.block: r for r in connections_test(commune=kriens)}
    assert results["resident_register"].ok
    assert not results["dog_register"].ok and "nicht erreichbar" in results["dog_register"].message
    health = CommuneConfig.objects.get(commune=kriens).health
    assert health["resident_register"]["ok"] is True
    assert health["dog_register"]["ok"] is False
    assert CommuneConfig.objects.get(commune=emmen).health["resident_register"]["ok"] is False


def test_reference_register_accepts_each_communes_own_key_on_its_own_paths(kriens, emmen):
    """The development keys (``commune_api_key``) open the commune's own paths only."""
    register = processes.start_register("resident", wait=60)
    try:
        key = commune_api_key(register="resident", bfs_number=kriens.bfs_number)
        headers = {"Authorization": f"Bearer {key}"}
        own = httpx.get(f"{register.url}/communes/{kriens.bfs_number}/persons/x", headers=headers)
        other = httpx.get(f"{register.url}/communes/{emmen.bfs_number}/persons/x", headers=headers)
        assert own.status_code == 404 and own.json()["error"] == "person_not_found"
        assert other.status_code == 401
        assert key != commune_api_key(register="resident", bfs_number=emmen.bfs_number)
    finally:
        register.stop()
