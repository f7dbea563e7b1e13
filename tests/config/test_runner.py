"""bin/run's building blocks: demo credentials, database discovery and creation."""

import stat
import uuid
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest
from django.conf import settings

from config.runner.__main__ import _masked
from config.runner.postgres import PostgresNotFound, ensure_database, find_postgres
from config.runner.setup import DEMO_COMMUNE, credentials


def _server_url(name: str) -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def test_credentials_are_generated_once_and_reused(tmp_path):
    """The first call writes passwords (mode 600); the second returns the same ones."""
    path = tmp_path / "var" / "credentials.json"
    first = credentials(path)
    assert set(first) == {
        "canton",
        *(f"{DEMO_COMMUNE}:{r}" for r in ("admin", "clerk", "resident")),
    }
    assert all(len(p) >= 16 for p in first.values())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert credentials(path) == first


def test_generated_passwords_never_look_like_options(tmp_path):
    """Generated passwords are letters and digits only (a leading "-" broke the command line)."""
    for n in range(30):
        for password in credentials(tmp_path / f"c{n}.json").values():
            assert password.isalnum() and len(password) == 16


@pytest.mark.django_db
def test_a_password_starting_with_a_dash_is_accepted_in_option_form(kriens, in_commune):
    """The run command passes "--password=<value>", which takes any value, even "-abc"."""
    from django.core.management import call_command

    from accounts.models import User

    call_command(
        "create_commune_user", "--commune=kriens", "--role=clerk", "--email=c@kriens.ch",
        "--password=-Strich-am-Anfang-2026", verbosity=0,
    )  # fmt: skip
    with in_commune(kriens):
        assert User.objects.get(email="c@kriens.ch").check_password("-Strich-am-Anfang-2026")


def test_ensure_database_creates_a_missing_database_once():
    """A missing database is created; asking again changes nothing."""
    name = f"ep_runner_probe_{uuid.uuid4().hex[:8]}"
    url = _server_url(name)
    admin = urlunparse(urlparse(url)._replace(path="/postgres"))
    try:
        assert ensure_database(url) is True
        assert ensure_database(url) is False
        with psycopg.connect(admin) as conn:
            assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_unreachable_database_url_is_a_clear_error(monkeypatch, tmp_path):
    """DATABASE_URL pointing nowhere stops with a message; no embedded server is started."""
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5499/einwohnerportal")
    monkeypatch.setenv("PORTAL_POSTGRES", "auto")
    with pytest.raises(PostgresNotFound, match="DATABASE_URL ist gesetzt"):
        find_postgres(tmp_path, say=lambda message: None)
    assert not (tmp_path / "var" / "pgdata").exists()


def test_unknown_postgres_mode_is_refused(monkeypatch, tmp_path):
    """PORTAL_POSTGRES accepts only auto and embedded."""
    monkeypatch.setenv("PORTAL_POSTGRES", "cloud")
    with pytest.raises(PostgresNotFound, match="auto, embedded"):
        find_postgres(tmp_path, say=lambda message: None)


def test_database_url_is_used_as_given(monkeypatch, tmp_path):
    """A reachable DATABASE_URL wins over the local probe and the embedded server."""
    name = f"ep_runner_probe_{uuid.uuid4().hex[:8]}"
    url = _server_url(name)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("PORTAL_POSTGRES", raising=False)
    try:
        found = find_postgres(tmp_path, say=lambda message: None)
        assert (found.url, found.origin, found.embedded) == (url, "DATABASE_URL", None)
        assert not (tmp_path / "var" / "pgdata").exists()
    finally:
        admin = urlunparse(urlparse(url)._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_passwords_are_masked_in_output():
    """Printed URLs never show a password."""
    assert _masked("amqp://guest:secret@127.0.0.1:5672/") == "amqp://guest:***@127.0.0.1:5672/"
    assert _masked("postgres://postgres@127.0.0.1/x") == "postgres://postgres@127.0.0.1/x"
