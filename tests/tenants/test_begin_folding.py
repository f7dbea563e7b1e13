"""The database backend sends a transaction's ``BEGIN`` with its first statement, in one round
trip (``tenants.db_backend``): the transaction holds exactly as before, and nothing of it ever
runs outside it.

These tests work in autocommit mode, outside pytest-django's per-test transaction: on a fresh
connection of the test database that stands in for ``default`` during the test, and on a
temporary table of that session only, so each ``atomic`` below is a real transaction and
nothing outlives the test."""

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.tenants.probe_table import own_connection_with_table

PROBE = "begin_probe"


@pytest.fixture
def probe(db):
    with own_connection_with_table(PROBE):
        yield


@pytest.fixture
def driver_commands(monkeypatch):
    """The commands psycopg sends on its own (its BEGIN, COMMIT and ROLLBACK)."""
    sent: list[bytes] = []
    exec_command = psycopg.Connection._exec_command

    def spy(self, command, *args, **kwargs):
        sent.append(bytes(command) if isinstance(command, bytes | bytearray) else command)
        return exec_command(self, command, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "_exec_command", spy)
    return sent


def _insert(row_id: int, note: str = "x") -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {PROBE} VALUES (%s, %s)", [row_id, note])


def _ids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {PROBE} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def _txid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT txid_current()")
        return cursor.fetchone()[0]


def test_the_begin_travels_with_the_first_statement(probe, driver_commands):
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        _insert(1)
        first, second = _txid(), _txid()
    sent = [q["sql"] for q in captured.captured_queries]
    assert sent[1].startswith(f"BEGIN; INSERT INTO {PROBE}")
    assert first == second  # one transaction
    assert driver_commands == [b"COMMIT"]  # psycopg sent no BEGIN of its own
    assert _ids() == [1]
    assert _txid() != first  # autocommit again afterwards


def test_a_rolled_back_transaction_leaves_nothing(probe, driver_commands):
    with pytest.raises(RuntimeError), transaction.atomic():
        _insert(2)
        assert _ids() == [2]
        raise RuntimeError("abgebrochen")
    assert _ids() == []
    assert driver_commands == [b"ROLLBACK"]


def test_a_transaction_that_sends_nothing_costs_no_round_trip(probe, driver_commands):
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        pass
    with pytest.raises(RuntimeError), transaction.atomic():
        raise RuntimeError("nichts gesendet")
    assert driver_commands == []
    # Django's own log entries only (it logs BEGIN and COMMIT as it turns autocommit off/on).
    assert [q["sql"] for q in captured.captured_queries] == ["BEGIN", "COMMIT"]


def test_a_statement_failing_before_it_is_sent_leaves_the_begin_waiting(probe):
    """psycopg refuses the query string on the client (wrong number of parameters): the BEGIN
    never reached the server, so it travels with the next statement, which the rollback then
    undoes. Without that, the INSERT would have run, and stayed, in autocommit mode."""
    with pytest.raises(RuntimeError), transaction.atomic():
        with pytest.raises(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT %s, %s", [1])
        assert connection.begin_pending()
        _insert(3)
        raise RuntimeError("abgebrochen")
    assert _ids() == []


def test_a_failing_first_statement_fails_its_transaction(probe):
    with pytest.raises(DatabaseError), transaction.atomic():
        _insert(4)
        _insert(4)  # duplicate key
    assert _ids() == []


def test_a_savepoint_first_shares_the_round_trip_and_rolls_back_alone(probe):
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            _insert(5)
            raise RuntimeError("nur die innere")
        _insert(6)
    sent = [q["sql"] for q in captured.captured_queries]
    assert any(s.startswith('BEGIN; SAVEPOINT "') for s in sent)
    assert _ids() == [6]


def test_without_atomic_each_commit_starts_the_next_transaction(probe, driver_commands):
    """Autocommit off by hand (no atomic): after a commit the next statement opens a new
    transaction again, which a rollback undoes."""
    transaction.set_autocommit(False)
    try:
        _insert(7)
        transaction.commit()
        _insert(8)
        transaction.rollback()
    finally:
        transaction.set_autocommit(True)
    assert _ids() == [7]
    assert driver_commands == [b"COMMIT", b"ROLLBACK"]


def _ids_through_server_side_cursor() -> list[int]:
    # What ``QuerySet.iterator()`` uses: a named cursor, declared through psycopg's own class.
    with connection.chunked_cursor() as cursor:
        cursor.execute(f"SELECT id FROM {PROBE} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def test_a_server_side_cursor_sees_the_transactions_own_rows(probe):
    """The BEGIN goes before the DECLARE, so the cursor runs inside the transaction and sees
    its rows; in autocommit mode it is held past the statement (WITH HOLD) as before."""
    with transaction.atomic():
        _insert(9)
        assert not connection.begin_pending()
        inside = _ids_through_server_side_cursor()
        transaction.set_rollback(True)
    assert inside == [9]
    assert _ids_through_server_side_cursor() == []
    with transaction.atomic():
        assert _ids_through_server_side_cursor() == []  # the first statement: BEGIN sent first
        assert not connection.begin_pending()
