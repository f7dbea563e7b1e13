"""Start reference registers as child processes (for the run command and for tests).

    with running_registers() as urls:          # {"resident": "http://127.0.0.1:8101", ...}
        ...

``start_register("resident", port=0)`` picks a free loopback port; ``RunningRegister.stop()``
ends the process. ``control(url, mode, count, delay)`` drives failure injection.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PORTS = {"resident": 8101, "dog": 8102, "identity": 8103, "payment": 8104}


@dataclass
class RunningRegister:
    name: str
    url: str
    process: subprocess.Popen

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_register(
    name: str,
    *,
    port: int = 0,
    api_key: str | None = None,
    seed: str | None = None,
    wait: float = 60.0,  # a loaded 2-core machine needs > 20 s to start one (XSDs)
) -> RunningRegister:
    """Start ``python -m integrations.reference.serve --register <name>`` and wait until
    ``/health`` answers. ``port=0``: a free loopback port."""
    port = port or free_port()
    argv = [sys.executable, "-m", "integrations.reference.serve", "--register", name]
    argv += ["--port", str(port)]
    if api_key:
        argv += ["--api-key", api_key]
    if seed:
        argv += ["--seed", seed]
    process = subprocess.Popen(  # noqa: S603 - fixed argv, our own module
        argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} register exited: {process.stderr.read().decode()}")
        try:
            if httpx.get(f"{url}/health", timeout=0.5).status_code == 200:
                return RunningRegister(name, url, process)
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{name} register did not become healthy at {url}")


@contextlib.contextmanager
def running_registers(
    ports: dict[str, int] | None = None, api_keys: dict[str, str] | None = None
) -> Iterator[dict[str, str]]:
    """The registers and the identity provider for the duration of the block (or those named
    in ``ports``); yields their URLs by name."""
    ports = ports if ports is not None else {name: 0 for name in DEFAULT_PORTS}
    started: list[RunningRegister] = []
    try:
        for name, port in ports.items():
            started.append(start_register(name, port=port, api_key=(api_keys or {}).get(name)))
        yield {r.name: r.url for r in started}
    finally:
        for register in started:
            register.stop()


def control(
    url: str,
    mode: str | None = None,
    *,
    count: int = 1,
    delay: float = 5.0,
    path_prefix: str = "/",
) -> dict:
    """Set the failure mode of the register at ``url`` (``None``: only read its counters)."""
    if mode is None:
        return httpx.get(f"{url}/_control", timeout=5).json()
    payload = {"mode": mode, "count": count, "delay": delay, "path_prefix": path_prefix}
    return httpx.post(f"{url}/_control", json=payload, timeout=5).json()
