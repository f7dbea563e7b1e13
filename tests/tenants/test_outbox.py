"""Jobs written in the transaction that asks for them (``tenants.outbox``): nothing on
rollback, nothing lost on commit, handed to the broker by the workers' relay in the commune
they were written in, never twice by two relays."""

from __future__ import annotations

import contextlib
import threading
import time

import dramatiq
import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from tenants import outbox
from tenants.jobs import SCHEMA_OPTION
from tenants.models import OutboxJob
from tenants.outbox import OutboxRelayMiddleware, enqueue_in_transaction, outbox_relay

from .job_actors import record_batch, record_schema

pytestmark = pytest.mark.django_db

QUEUE = record_schema.queue_name


@pytest.fixture
def broker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


def _queued(broker) -> list[dramatiq.Message]:
    queue = broker.queues.get(QUEUE)
    return [dramatiq.Message.decode(m) for m in list(queue.queue)] if queue is not None else []


def test_a_job_is_written_with_the_transaction_and_relayed_in_its_commune(
    kriens, emmen, in_commune, broker
):
    """The call itself sends nothing (the row goes with the transaction's next statement or
    its COMMIT); the relay hands each job to the broker with its commune and deletes it."""
    with in_commune(kriens), transaction.atomic():
        with CaptureQueriesContext(connection) as during:
            enqueue_in_transaction(record_schema, "kriens", 7)
        assert during.captured_queries == []
    with in_commune(emmen), transaction.atomic():
        enqueue_in_transaction(record_schema.actor_name, "emmen")
    jobs = list(OutboxJob.objects.order_by("id").values_list("schema_name", "actor_name", "args"))
    assert jobs == [
        (kriens.schema_name, record_schema.actor_name, ["kriens", 7]),
        (emmen.schema_name, record_schema.actor_name, ["emmen"]),
    ]
    assert _queued(broker) == []

    assert outbox_relay() == 2
    messages = _queued(broker)
    assert [(m.args, m.options[SCHEMA_OPTION]) for m in messages] == [
        (("kriens", 7), kriens.schema_name),
        (("emmen",), emmen.schema_name),
    ]
    assert not OutboxJob.objects.exists()
    assert outbox_relay() == 0 and len(_queued(broker)) == 2


def test_a_batched_actor_gets_the_jobs_of_one_commune_in_one_message(
    kriens, emmen, in_commune, broker, monkeypatch
):
    """Jobs of a ``batched`` actor go out as one message per commune (in the order of each
    commune's first job, at most BATCH_PER_MESSAGE each), the others one by one."""
    monkeypatch.setattr(outbox, "BATCH_PER_MESSAGE", 2)
    with in_commune(kriens), transaction.atomic():
        enqueue_in_transaction(record_batch, "k1", 1)
        enqueue_in_transaction(record_schema, "alone")
    with in_commune(emmen), transaction.atomic():
        enqueue_in_transaction(record_batch, "e1", 2)
    with in_commune(kriens), transaction.atomic():
        enqueue_in_transaction(record_batch, "k2", 3)
        enqueue_in_transaction(record_batch, "k3", 4)
    assert outbox_relay() == 5
    assert [(m.actor_name, m.args, m.options[SCHEMA_OPTION]) for m in _queued(broker)] == [
        (record_batch.actor_name, ([["k1", 1], ["k2", 3]],), kriens.schema_name),
        (record_schema.actor_name, ("alone",), kriens.schema_name),
        (record_batch.actor_name, ([["e1", 2]],), emmen.schema_name),
        (record_batch.actor_name, ([["k3", 4]],), kriens.schema_name),
    ]
    assert not OutboxJob.objects.exists()


def test_a_rolled_back_transaction_leaves_no_job(kriens, in_commune, broker):
    with in_commune(kriens):
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue_in_transaction(record_schema, "never")
            raise RuntimeError("abgebrochen")
        with transaction.atomic():
            with transaction.atomic():
                enqueue_in_transaction(record_schema, "kept")
            try:
                with transaction.atomic():  # a savepoint rolled back: its job with it
                    enqueue_in_transaction(record_schema, "undone")
                    raise RuntimeError("abgebrochen")
            except RuntimeError:
                pass
    assert list(OutboxJob.objects.values_list("args", flat=True)) == [["kept"]]
    assert outbox_relay() == 1
    assert [m.args for m in _queued(broker)] == [("kept",)]


def test_an_unknown_actor_is_refused_at_once(kriens, in_commune):
    with in_commune(kriens), pytest.raises(dramatiq.errors.ActorNotFound):
        enqueue_in_transaction("kein_solcher_auftrag", 1)
    assert not OutboxJob.objects.exists()


def test_a_refusing_broker_keeps_the_job_and_those_after_it(kriens, in_commune, broker, caplog):
    with in_commune(kriens), transaction.atomic():
        for n in range(3):
            enqueue_in_transaction(record_schema, n)
    sent = []
    original = record_schema.send_with_options

    def second_refused(**options):
        if options["args"] == (1,):
            raise dramatiq.errors.ConnectionClosed(OSError("Verbindung abgelehnt"))
        sent.append(options["args"])
        return original(**options)

    record_schema.send_with_options = second_refused
    try:
        assert outbox_relay() == 1
    finally:
        del record_schema.send_with_options
    assert sent == [(0,)]
    assert list(OutboxJob.objects.order_by("id").values_list("args", flat=True)) == [[1], [2]]
    assert "the rest wait for the next pass" in caplog.text
    assert outbox_relay() == 2
    assert [m.args for m in _queued(broker)] == [(0,), (1,), (2,)]


def test_a_job_whose_actor_is_gone_is_dropped_with_an_error(broker, caplog):
    OutboxJob.objects.create(schema_name="public", actor_name="entfernt", args=[1])
    assert outbox_relay() == 1
    assert _queued(broker) == []
    assert not OutboxJob.objects.exists()
    assert "unknown actor entfernt dropped" in caplog.text


# --- Committed rows, other connections: the relay as it runs in a worker --------------------


@pytest.fixture
def committed():
    """A connection of its own in autocommit mode (its rows are committed at once); removes
    the outbox rows it made at the end."""
    own = connections.create_connection("default")
    made: list[int] = []

    def insert(*args) -> int:
        with own.cursor() as cursor:
            cursor.execute(
                "INSERT INTO tenants_outboxjob (schema_name, actor_name, args) "
                "VALUES ('public', %s, %s::jsonb) RETURNING id",
                [record_schema.actor_name, f"[{', '.join(map(str, args))}]"],
            )
            made.append(cursor.fetchone()[0])
        return made[-1]

    insert.connection = own
    yield insert
    with own.cursor() as cursor:
        cursor.execute("DELETE FROM tenants_outboxjob WHERE id = ANY(%s)", [made])
    own.close()


def _in_thread(target) -> threading.Thread:
    """``target`` in a thread of its own (its own connection, closed at the end)."""

    def run() -> None:
        try:
            target()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _left(committed, ids) -> list[int]:
    with committed.connection.cursor() as cursor:
        cursor.execute("SELECT id FROM tenants_outboxjob WHERE id = ANY(%s) ORDER BY id", [ids])
        return [row[0] for row in cursor.fetchall()]


def test_two_relays_never_take_the_same_job(committed, broker):
    """A job another relay holds (FOR UPDATE) is skipped, not waited for and not sent twice."""
    first, second = committed(1), committed(2)
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SELECT id FROM tenants_outboxjob WHERE id = %s FOR UPDATE", [first])
        relayed = []
        _in_thread(lambda: relayed.append(outbox_relay())).join(timeout=10)
        assert relayed == [1]
        assert [m.args for m in _queued(broker)] == [(2,)]
        assert _left(committed, [first, second]) == [first]
    finally:
        other.rollback()
        other.close()


def test_the_worker_relay_sends_a_committed_job_on_its_notification(committed, broker, monkeypatch):
    """In a worker: the relay thread sends what waits at boot, then wakes on the trigger's
    NOTIFY at the next commit (it would otherwise look only after POLL_SECONDS), and stops
    at shutdown."""
    monkeypatch.setattr(outbox, "POLL_SECONDS", 60.0)
    waiting = committed(1)
    with _relay_running(committed):
        _until(lambda: len(_queued(broker)) == 1)
        assert _left(committed, [waiting]) == []
        time.sleep(0.3)  # the relay now waits for a notification
        later = committed(2)
        _until(lambda: len(_queued(broker)) == 2, within=3.0)
        assert [m.args for m in _queued(broker)] == [(1,), (2,)]
        assert _left(committed, [later]) == []


def test_a_burst_of_notifications_does_not_hold_back_later_jobs(committed, broker, monkeypatch):
    """Commits that notify while the relay gathers arrive together; the pass after the
    gathering covers them all, and the next job goes out at its own notification (the relay
    once waited the gathering time again for every notification of such a packet)."""
    monkeypatch.setattr(outbox, "POLL_SECONDS", 60.0)
    monkeypatch.setattr(outbox, "GATHER_SECONDS", 0.3)
    with _relay_running(committed):
        time.sleep(0.3)  # the relay waits for a notification
        burst = [committed(1)]
        time.sleep(0.05)  # the relay gathers: these notify meanwhile
        burst += [committed(n) for n in range(2, 21)]
        _until(lambda: len(_queued(broker)) == 20, within=3.0)
        assert _left(committed, burst) == []
        time.sleep(0.1)
        later = committed(21)
        _until(lambda: len(_queued(broker)) == 21, within=1.5)
        assert [m.args for m in _queued(broker)] == [(n,) for n in range(1, 22)]
        assert _left(committed, [later]) == []


@contextlib.contextmanager
def _relay_running(committed):
    """The worker's relay thread for the block; afterwards it is stopped (woken by a NOTIFY to
    see the stop) and must have ended."""
    middleware = OutboxRelayMiddleware()
    thread = _in_thread(middleware.run)
    try:
        yield
    finally:
        middleware.stop.set()
        with committed.connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {outbox.CHANNEL}")
        thread.join(timeout=10)
    assert not thread.is_alive()


def _until(condition, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "nicht rechtzeitig"
        time.sleep(0.02)
