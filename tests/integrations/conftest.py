"""Reference registers as real processes on free loopback ports, once per test session.

``registers`` points ``settings.INTEGRATIONS`` at them (short timeouts) and resets their
failure mode after each test; ``control(register, mode, count=1, delay=…)`` drives failures and
returns the register's counters (``calls``, ``effects``).
"""

from __future__ import annotations

import pytest

from integrations.reference import processes

API_KEYS = {"resident": "test-resident-key", "dog": "test-dog-key"}
CLIENT_TIMEOUT = 1.0  # seconds; the "timeout" failure mode sleeps longer than this


@pytest.fixture(scope="session")
def reference_servers():
    with processes.running_registers(api_keys=API_KEYS) as urls:
        yield urls


@pytest.fixture
def registers(reference_servers, settings):
    settings.INTEGRATIONS = {
        **settings.INTEGRATIONS,
        "resident_register": {
            "url": reference_servers["resident"],
            "api_key": API_KEYS["resident"],
            "sender_id": "3-LU-1",
            "timeout": CLIENT_TIMEOUT,
        },
        "dog_register": {
            "url": reference_servers["dog"],
            "api_key": API_KEYS["dog"],
            "timeout": CLIENT_TIMEOUT,
        },
    }
    yield reference_servers
    for url in reference_servers.values():
        processes.control(url, "ok")


@pytest.fixture
def control(reference_servers):
    def drive(register: str, mode: str | None = None, count: int = 1, delay: float = 1.6) -> dict:
        return processes.control(reference_servers[register], mode, count=count, delay=delay)

    return drive
