"""bin/run: find PostgreSQL and a broker, prepare the database, run web + worker + scheduler.

Everything runs as child processes of this one; Ctrl-C or SIGTERM stops them all (web, worker,
scheduler and reference registers, each within 15 s, then an embedded PostgreSQL).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import environ

from config.broker import broker_settings, reachable

from .postgres import Database, PostgresNotFound, find_postgres

ROOT = Path(__file__).resolve().parent.parent.parent
PYTHON = sys.executable
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def say(message: str) -> None:
    print(f"» {message}", flush=True)


def _masked(url: str) -> str:
    parts = urlparse(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


class Stop(Exception):
    pass


def _raise_stop(signum, _frame):
    raise Stop(signal.Signals(signum).name)


@dataclass
class Child:
    name: str
    args: list[str]
    critical: bool
    process: subprocess.Popen
    started_at: float
    restarts: list[float] = field(default_factory=list)
    restart_at: float | None = None


class Supervisor:
    """Runs the portal's processes. A worker, the scheduler or a reference server that dies is
    started again after a pause that doubles with each death (1, 2, 4 … 30 s; back to 1 s once
    it ran a minute); only the web server's death, or more than ``RESTART_LIMIT`` deaths of one
    process within ``RESTART_WINDOW`` seconds, stops everything."""

    RESTART_LIMIT = 8
    RESTART_WINDOW = 300.0
    MAX_BACKOFF = 30.0
    STABLE_AFTER = 60.0

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.children: list[Child] = []

    def _spawn(self, args: list[str]) -> subprocess.Popen:
        # Own session: Ctrl-C reaches only this process, which then stops the children in order.
        return subprocess.Popen(args, cwd=ROOT, env=self.env, start_new_session=True)  # noqa: S603

    def start(self, name: str, args: list[str], *, critical: bool = False) -> None:
        self.children.append(
            Child(name, args, critical, self._spawn(args), started_at=time.monotonic())
        )

    def exited(self) -> tuple[str, int] | None:
        """A child that is not running (during start-up, any death is fatal)."""
        for child in self.children:
            if child.process.poll() is not None:
                return child.name, child.process.returncode
        return None

    def supervise(self, now: float | None = None) -> tuple[str, int] | None:
        """Restart dead children when their pause is over; returns the (name, code) of a death
        that must stop the portal, else None. Call about once a second."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            code = child.process.poll()
            if code is None:
                continue
            if child.critical:
                return child.name, code
            if child.restart_at is None:
                if now - child.started_at >= self.STABLE_AFTER:
                    child.restarts.clear()
                child.restarts = [t for t in child.restarts if now - t < self.RESTART_WINDOW]
                if len(child.restarts) >= self.RESTART_LIMIT:
                    say(
                        f"{child.name} ist {len(child.restarts)} Mal in "
                        f"{self.RESTART_WINDOW:.0f} s gestorben; gebe auf."
                    )
                    return child.name, code
                pause = min(self.MAX_BACKOFF, 2.0 ** len(child.restarts))
                child.restart_at = now + pause
                say(f"{child.name} hat sich beendet (Code {code}); Neustart in {pause:.0f} s.")
            elif now >= child.restart_at:
                child.restarts.append(now)
                child.process = self._spawn(child.args)
                child.started_at, child.restart_at = now, None
                say(f"{child.name} neu gestartet (Neustart {len(child.restarts)}).")
        return None

    def stop_all(self, timeout: float = 15.0) -> None:
        for child in self.children:
            if child.process.poll() is None:
                # Only the leader: gunicorn and dramatiq pass it on to their workers themselves
                # (a dramatiq worker that gets a second SIGTERM is killed hard).
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in self.children:
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{child.name} reagiert nicht auf SIGTERM; beende hart.")
            # Kill what is left of the group (e.g. a grandchild that ignored SIGTERM).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.process.pid, signal.SIGKILL)
            child.process.wait()


def _healthy(port: int, host: str) -> dict | None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"Host": f"{host}:{port}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _wait_healthy(supervisor: Supervisor, port: int, timeout: float = 90.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = supervisor.exited()
        if dead:
            raise RuntimeError(f"{dead[0]} hat sich beim Start beendet (Code {dead[1]}).")
        status = _healthy(port, "localhost")
        if status:
            return status
        time.sleep(0.5)
    raise RuntimeError(f"/healthz antwortet nach {timeout:.0f} s nicht.")


def main() -> int:
    for signum in STOP_SIGNALS:
        signal.signal(signum, _raise_stop)
    os.chdir(ROOT)
    environ.Env.read_env(ROOT / ".env", overwrite=False)
    port = int(os.environ.get("PORT", "8000"))
    if reachable("127.0.0.1", port, timeout=0.2):
        say(f"Port {port} ist belegt; mit PORT=<n> bin/run einen anderen wählen.")
        return 1
    (ROOT / "var").mkdir(exist_ok=True)
    _announce(port)

    database: Database | None = None
    supervisor: Supervisor | None = None
    code = 0
    try:
        database = find_postgres(ROOT, say)
        supervisor = Supervisor(_process_env(database, port))
        # The reference registers and the login service first: seed_demo logs the demo person
        # in at the login service during the set-up.
        registers = _start_reference_servers(supervisor)
        setup = subprocess.run(  # noqa: S603
            [PYTHON, "-m", "config.runner.setup"],
            cwd=ROOT,
            env=supervisor.env,
            start_new_session=True,
        )
        if setup.returncode != 0:
            say("Vorbereitung fehlgeschlagen; Portal wird nicht gestartet.")
            return setup.returncode
        _start_portal(supervisor, port)
        _print_ready(port, _wait_healthy(supervisor, port), registers)
        code = _supervise_until_fatal(supervisor)
    except Stop as stop:
        say(f"{stop} empfangen, stoppe …")
    except (PostgresNotFound, RuntimeError) as exc:
        say(f"Fehler: {exc}")
        code = 1
    finally:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        if supervisor:
            supervisor.stop_all()
        if database and database.embedded:
            database.embedded.stop()
    if code == 0:
        say("Alle Prozesse beendet.")
    return code


def _announce(port: int) -> None:
    if debug_requested():
        say(
            "ACHTUNG: DEBUG ist eingeschaltet (DEBUG=1): Fehlerseiten zeigen technische Details "
            "und Einstellungen. Nur für die Entwicklung auf diesem Rechner."
        )
    say(f"Webserver hört auf {web_bind(port)} (PORTAL_BIND ändert die Adresse).")


def _process_env(database: Database, port: int) -> dict[str, str]:
    """The environment of every child: the database, one broker and cache for all."""
    label = {"DATABASE_URL": "aus DATABASE_URL", "local": "lokaler Server"}.get(
        database.origin, "eingebettet"
    )
    say(f"PostgreSQL ({label}): {_masked(database.url)}")
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database.url,
        DJANGO_SETTINGS_MODULE=env.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
        PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    broker_url = env.get("BROKER_URL", "").strip()
    broker = broker_settings(broker_url, environ.Env.db_url_config(database.url))
    origin = "aus BROKER_URL" if broker_url else "erkannt"
    kind = broker["BROKER"].rsplit(".", 1)[-1]
    say(f"Broker ({origin}): {kind} {_masked(broker['URL'])}")
    # Web, worker and scheduler must agree on one broker: fix the detected one for all.
    env["BROKER_URL"] = broker["URL"]
    if not env.get("REDIS_URL") and reachable("127.0.0.1", 6379):
        # A shared cache lets every process see host-cache invalidations at once.
        env["REDIS_URL"] = "redis://127.0.0.1:6379/1"
        say("Cache: Redis redis://127.0.0.1:6379/1")
    return env


def _start_reference_servers(supervisor: Supervisor) -> list[tuple[str, int]]:
    registers: list[tuple[str, int]] = []
    if not (ROOT / "integrations" / "reference" / "serve.py").exists():
        return registers
    for register, register_port in REFERENCE_SERVERS:
        supervisor.start(
            f"register-{register}",
            [
                PYTHON, "-m", "integrations.reference.serve",
                "--register", register, "--port", str(register_port),
            ],
        )  # fmt: skip
        registers.append((register, register_port))
    _wait_reference_servers(supervisor, registers)
    return registers


def _start_portal(supervisor: Supervisor, port: int) -> None:
    """Web (critical: its death stops everything), worker and scheduler."""
    workers = os.environ.get("WEB_WORKERS", "2")
    supervisor.start(
        "web",
        [
            PYTHON, "-m", "gunicorn", "config.wsgi",
            "--bind", web_bind(port),
            "--workers", workers, "--threads", "4",
            "--graceful-timeout", "10", "--timeout", "60",
            "--access-logfile", str(ROOT / "var" / "access.log"),
            "--log-level", "warning",
        ],
        critical=True,
    )  # fmt: skip
    supervisor.start(
        "worker",
        [
            PYTHON, "manage.py", "rundramatiq", "--processes", "1", "--threads", "4",
            "--worker-shutdown-timeout", "10000",
        ],
    )  # fmt: skip
    supervisor.start("scheduler", [PYTHON, "manage.py", "run_scheduler"])


def _supervise_until_fatal(supervisor: Supervisor) -> int:
    while True:
        fatal = supervisor.supervise()
        if fatal:
            say(f"{fatal[0]} hat sich beendet (Code {fatal[1]}); stoppe alles.")
            return 1
        time.sleep(1)


def web_bind(port: int | str) -> str:
    """Where gunicorn listens: loopback unless PORTAL_BIND names another address."""
    return f"{os.environ.get('PORTAL_BIND', '127.0.0.1')}:{port}"


def debug_requested() -> bool:
    """DEBUG=1 (or DJANGO_DEBUG=1) asks for Django's technical error pages."""
    value = os.environ.get("DEBUG") or os.environ.get("DJANGO_DEBUG") or ""
    return value.strip().lower() in ("1", "true", "yes", "on")


REFERENCE_SERVERS = (("resident", 8101), ("dog", 8102), ("identity", 8103), ("payment", 8104))
REFERENCE_NAMES = {
    "resident": "Referenzregister Einwohner",
    "dog": "Referenzregister Hunde",
    "identity": "Login-Dienst (Referenz)",
    "payment": "Zahlungsanbieter (Referenz)",
}


def _wait_reference_servers(
    supervisor, registers: list[tuple[str, int]], limit: float = 30
) -> None:
    """Wait until every reference server answers /health (or one has died)."""
    import httpx

    deadline = time.monotonic() + limit
    for register, register_port in registers:
        while True:
            dead = supervisor.exited()
            if dead:
                raise RuntimeError(f"{dead[0]} hat sich beendet (Code {dead[1]})")
            try:
                if (
                    httpx.get(f"http://127.0.0.1:{register_port}/health", timeout=1).status_code
                    == 200
                ):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{REFERENCE_NAMES[register]} antwortet nicht")
            time.sleep(0.2)


def _print_ready(port: int, health: dict, registers: list[tuple[str, int]]) -> None:
    creds = json.loads((ROOT / "var" / "credentials.json").read_text())
    from .setup import CANTON_EMAIL, DEMO_COMMUNE, DEMO_USERS

    base = f"http://localhost:{port}"
    commune = f"http://{DEMO_COMMUNE}.localhost:{port}"
    lines = [
        "",
        f"Einwohnerportal Luzern läuft (Datenbank {health.get('database')}, "
        f"Broker {health.get('broker')}).",
        f"  Kantonsportal       {base}/",
        f"  Gemeinden           http://<gemeinde>.localhost:{port}/  z. B. {commune}/",
        f"  Kantons-Admin       {base}/admin/   {CANTON_EMAIL} / {creds['canton']}"
        f"  (TOTP {creds.get('totp:canton', '–')})",
        f"  Gemeinde-Admin      {commune}/admin/",
        f"  API-Dokumentation   {base}/api/docs/  und  {commune}/api/docs/",
        f"  Gemeindeliste (API) {base}/api/communes/",
        f"  Health              {base}/healthz",
        f"  Demo-Benutzer {DEMO_COMMUNE} (Anmeldung {commune}/login/):",
    ]
    for role, email, *_ in DEMO_USERS:
        totp = creds.get(f"totp:{DEMO_COMMUNE}:{role}")
        second = f"  (TOTP {totp})" if totp else ""
        lines.append(f"    {role:<9} {email} / {creds[f'{DEMO_COMMUNE}:{role}']}{second}")
    demo_file = ROOT / "var" / "seed_demo.json"
    if demo_file.exists():
        demo = json.loads(demo_file.read_text())
        lines.append(f"  Demo im Einwohnerregister (seed_demo, Anmeldung {demo['login_url']}):")
        for role in ("resident", "clerk"):
            totp = demo[role].get("totp_secret")
            second = f"  (TOTP {totp})" if totp else ""
            lines.append(f"    {role:<9} {demo[role]['email']} / {demo[role]['password']}{second}")
        if demo.get("identity"):
            lines.append(
                f"  Demo-Person beim Login-Dienst ({demo['identity']['provider']}): "
                f"{demo['identity']['login_hint']}"
            )
            lines.append(f"    API-Token (E-ID-Anmeldung) {demo['resident'].get('token', '')}")
    for register, register_port in registers:
        lines.append(
            f"  {REFERENCE_NAMES.get(register, register):<27} http://127.0.0.1:{register_port}/"
        )
    lines.append(
        "Mitarbeitende brauchen den zweiten Faktor: TOTP-Schlüssel in einer Authenticator-App "
        "erfassen oder Code mit `oathtool --totp -b <Schlüssel>` erzeugen."
    )
    lines.append("Passwörter in var/credentials.json. Beenden mit Ctrl-C.")
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
