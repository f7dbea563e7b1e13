"""Reference registers as real processes on free loopback ports, once per test session.

``registers`` points ``settings.INTEGRATIONS`` at them (short timeouts) and resets their
failure mode after each test; ``control(register, mode, count=1, delay=…)`` drives failures and
returns the register's counters (``calls``, ``effects``).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
API_KEYS = {"resident": "test-resident-key", "dog": "test-dog-key"}
CLIENT_TIMEOUT = 1.0  # seconds; the "timeout" failure mode sleeps longer than this


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(register: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen(  # noqa: S603 - fixed argv, our own module
        [sys.executable, "-m", "integrations.reference.serve", "--register", register,
         "--port", str(port), "--api-key", API_KEYS[register]],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{register} register exited: {proc.stderr.read().decode()}")
        try:
            if httpx.get(f"{url}/health", timeout=0.5).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{register} register did not become healthy at {url}")


@pytest.fixture(scope="session")
def reference_servers():
    started = {name: _start(name) for name in ("resident", "dog")}
    yield {name: url for name, (_, url) in started.items()}
    for proc, _ in started.values():
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


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
        httpx.post(f"{url}/_control", json={"mode": "ok"}, timeout=5)


@pytest.fixture
def control(reference_servers):
    def drive(register: str, mode: str | None = None, count: int = 1, delay: float = 1.6) -> dict:
        url = f"{reference_servers[register]}/_control"
        if mode is None:
            return httpx.get(url, timeout=5).json()
        return httpx.post(
            url, json={"mode": mode, "count": count, "delay": delay}, timeout=5
        ).json()

    return drive
