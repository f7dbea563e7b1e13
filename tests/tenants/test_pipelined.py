"""Statements sent together in libpq's pipeline mode (``tenants.db_backend``,
``DatabaseWrapper.run_pipelined``, and the deferred writes at commit): one round trip, each
statement kept prepared on the connection, in the transaction and in the commune current when
it runs.

The first tests work in autocommit mode on a fresh connection and a temporary table (as
``test_begin_folding``), so every ``atomic`` is a real transaction that commits."""

import psycopg
import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cases.services.submit import _NEXT_NUMBER_SQL
from tests.tenants.probe_table import own_connection_with_table

pytestmark = pytest.mark.django_db

PROBE = "pipeline_probe"
INSERT = f"INSERT INTO {PROBE} (id, note) VALUES (%s, %s)"


@pytest.fixture
def probe(db):
    with own_connection_with_table(PROBE):
        yield


def _rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, note FROM {PROBE} ORDER BY id")
        return cursor.fetchall()


def _prepared(fragment: str) -> list[tuple[str, int]]:
    """The statements this session keeps prepared that contain ``fragment``, with how many
    times PostgreSQL ran each (generic and custom plans)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            [f"%{fragment}%"],
        )
        return cursor.fetchall()


def test_pipelined_statements_share_one_round_trip_in_the_transaction(probe):
    """BEGIN, two INSERTs and a SELECT that sees them: one log entry (one round trip), the
    SELECT's rows come back, the INSERTs' none, and the rows are committed with the
    transaction."""
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        results = connection.run_pipelined(
            [
                (INSERT, [1, "eins"]),
                (INSERT, [2, "zwei"]),
                (f"SELECT count(*) FROM {PROBE}", []),
            ]
        )
    assert results == [None, None, [(2,)]]
    sent = [q["sql"] for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    assert len(sent) == 1
    assert sent[0].startswith(f"BEGIN;\nINSERT INTO {PROBE} (id, note) VALUES (1, 'eins')")
    assert _rows() == [(1, "eins"), (2, "zwei")]


def test_statements_with_values_are_kept_prepared_and_reused(probe):
    """The INSERT's shape is prepared once on the connection and run again with new values."""
    for row_id in (1, 2, 3):
        with transaction.atomic():
            connection.run_pipelined([(INSERT, [row_id, "x"])])
    [(statement, runs)] = _prepared(f"INSERT INTO {PROBE}")
    assert "VALUES ($1, $2)" in statement and runs == 3
    assert [r[0] for r in _rows()] == [1, 2, 3]


def test_a_failing_statement_fails_the_transaction_and_nothing_after_it_runs(probe):
    """A duplicate key in the middle: IntegrityError, and none of the three rows remains."""
    with pytest.raises(IntegrityError), transaction.atomic():
        connection.run_pipelined(
            [(INSERT, [1, "eins"]), (INSERT, [1, "doppelt"]), (INSERT, [2, "zwei"])]
        )
    assert _rows() == []
    with transaction.atomic():  # the connection works on as before
        connection.run_pipelined([(INSERT, [3, "drei"])])
    assert _rows() == [(3, "drei")]


def test_a_statement_refused_on_the_client_leaves_nothing_outside_the_transaction(probe):
    """A wrong number of values fails on the client, after the BEGIN went ahead in the
    pipeline: either it reached the server (the transaction is open) or it waits again. Either
    way the next statement runs inside the transaction, and the rollback undoes it."""
    with pytest.raises(RuntimeError), transaction.atomic():
        with pytest.raises(DatabaseError):
            connection.run_pipelined([(INSERT, [1])])
        status = connection.connection.info.transaction_status
        assert connection.begin_pending() != (status == psycopg.pq.TransactionStatus.INTRANS)
        connection.run_pipelined([(INSERT, [4, "vier"])])
        raise RuntimeError("abgebrochen")
    assert _rows() == []
    with transaction.atomic():
        connection.run_pipelined([(INSERT, [6, "sechs"])])
    assert _rows() == [(6, "sechs")]


def test_deferred_writes_travel_pipelined_with_the_commit(probe, monkeypatch):
    """Writes deferred to the commit go with the BEGIN and the COMMIT in one round trip, kept
    prepared, and are committed."""
    monkeypatch.setattr(connection, "defer_writes", True)
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        assert connection.write_later("probe", lambda: [(INSERT, [5, "später"])])
        # Nothing sent yet (Django logs the BEGIN it leaves waiting): the write waits.
        assert [q["sql"] for q in captured.captured_queries] == ["BEGIN"]
    sent = [q["sql"] for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    assert sent == [f"BEGIN;\nINSERT INTO {PROBE} (id, note) VALUES (5, 'später');\nCOMMIT"]
    assert _rows() == [(5, "später")]
    assert _prepared(f"INSERT INTO {PROBE}")


def _counter(year: int) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_number FROM cases_referencecounter WHERE year = %s", [year])
        row = cursor.fetchone()
    return row[0] if row else None


def test_a_prepared_statement_runs_in_the_commune_current_when_it_runs(kriens, emmen, in_commune):
    """The reference counter's upsert counts in each commune's own table, alternating; each
    commune's statement is prepared once under its own search path (the path leads its text),
    so PostgreSQL never has to plan it again for another commune."""
    year = 2041
    for commune, expected in [(kriens, 1), (kriens, 2), (emmen, 1), (kriens, 3), (emmen, 2)]:
        with in_commune(commune), transaction.atomic():
            [[(number,)]] = connection.run_pipelined([(_NEXT_NUMBER_SQL, [year])])
            assert number == expected
    with in_commune(kriens):
        assert _counter(year) == 3
        prepared = sorted(_prepared("cases_referencecounter"))
    with in_commune(emmen):
        assert _counter(year) == 2
    assert [(statement.split(" */ ")[0], runs) for statement, runs in prepared] == [
        (f"/* {emmen.schema_name},public", 2),
        (f"/* {kriens.schema_name},public", 3),
    ]


def test_schema_keyed_leaves_unusual_search_paths_alone():
    """Only plain schema names are written into the comment (nothing could end it early)."""
    from tenants.db_backend.cursor import schema_keyed

    assert schema_keyed("SELECT 1", ["gemeinde_1058", "public"]) == (
        "/* gemeinde_1058,public */ SELECT 1"
    )
    assert schema_keyed("SELECT 1", ["a*/b", "public"]) == "SELECT 1"
    assert schema_keyed("SELECT 1", None) == "SELECT 1"


def test_execute_wrappers_see_the_round_trip_once(probe):
    """Instrumentation through ``connection.execute_wrapper`` sees one call with the joined SQL
    and the parameters in order, and its result."""
    seen = []

    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        seen.append((sql, params, result))
        return result

    with connection.execute_wrapper(wrapper), transaction.atomic():
        connection.run_pipelined([(INSERT, [7, "sieben"]), (f"SELECT id FROM {PROBE}", None)])
    assert seen == [(f"{INSERT};\nSELECT id FROM {PROBE}", [7, "sieben"], [None, [(7,)]])]
