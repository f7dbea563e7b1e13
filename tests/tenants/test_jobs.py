"""A job runs in the commune that sent it, and never leaks its schema into the next job."""

import dramatiq
import pytest
from dramatiq import Worker

from tenants.jobs import SCHEMA_OPTION, enqueue_on_commit, send_in_schema
from tenants.routing import commune_for_schema
from tenants.scheduler import fan_out, periodic

from . import job_actors
from .job_actors import fail, record_schema, record_tick, switch_schema_and_stay

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    job_actors.seen.clear()
    yield broker
    broker.flush_all()


@pytest.fixture
def run_jobs(broker):
    """Process everything queued so far with a real worker (one thread, strict order)."""

    def run() -> list[tuple[str, str]]:
        worker = Worker(broker, worker_threads=1, worker_timeout=50)
        worker.start()
        try:
            broker.join("tenancy-tests", fail_fast=False)
            worker.join()
        finally:
            worker.stop()
            # Workers register a middleware on the broker; drop it with the worker.
            broker.middleware[:] = [
                m for m in broker.middleware if type(m).__name__ != "_WorkerMiddleware"
            ]
        return list(job_actors.seen)

    return run


def test_a_job_runs_in_the_commune_that_sent_it(kriens, emmen, in_commune, run_jobs):
    """The commune current at send time is restored in the worker."""
    with in_commune(kriens):
        record_schema.send("kriens")
    with in_commune(emmen):
        record_schema.send("emmen")
    record_schema.send("public")
    assert run_jobs() == [
        ("kriens", kriens.schema_name),
        ("emmen", emmen.schema_name),
        ("public", "public"),
    ]


def test_a_job_that_switches_schema_cannot_leak(kriens, emmen, in_commune, run_jobs):
    """After a job that switched to Emmen, the next public job runs in public, not in Emmen."""
    with in_commune(kriens):
        switch_schema_and_stay.send("switcher", emmen.schema_name)
    record_schema.send("next-public")
    with in_commune(kriens):
        record_schema.send("next-kriens")
    assert run_jobs() == [
        ("switcher", emmen.schema_name),
        ("next-public", "public"),
        ("next-kriens", kriens.schema_name),
    ]


def test_a_failing_job_does_not_leak_either(kriens, in_commune, run_jobs):
    """A job that raises still leaves the worker in public."""
    with in_commune(kriens):
        fail.send("failing")
    record_schema.send("after")
    assert run_jobs() == [("failing", kriens.schema_name), ("after", "public")]


def test_a_job_for_an_unknown_schema_is_skipped(run_jobs):
    """A message naming a schema that is no commune never runs, not even in public."""
    send_in_schema(record_schema, "gemeinde_99999", "ghost")
    record_schema.send("public")
    assert run_jobs() == [("public", "public")]


def test_workers_keep_a_schemas_commune_until_any_commune_changes(kriens):
    """Jobs find their commune without a query once it is known, and look it up again after
    any change to a commune; a schema without commune is never kept."""
    lookups = []

    def lookup(schema):
        lookups.append(schema)
        return kriens if schema == kriens.schema_name else None

    assert commune_for_schema(kriens.schema_name, lookup) == kriens
    assert commune_for_schema(kriens.schema_name, lookup) == kriens
    assert lookups == [kriens.schema_name]
    kriens.save(update_fields=["name"])  # any change (post_save) forgets what was kept
    assert commune_for_schema(kriens.schema_name, lookup) == kriens
    assert commune_for_schema("gemeinde_99999", lookup) is None
    assert commune_for_schema("gemeinde_99999", lookup) is None
    assert lookups == [kriens.schema_name] * 2 + ["gemeinde_99999"] * 2


def test_enqueue_on_commit_waits_for_the_commit_and_keeps_the_commune(
    kriens, in_commune, broker, django_capture_on_commit_callbacks
):
    """Nothing is sent before the commit; the message carries the commune of the caller."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with in_commune(kriens):
            enqueue_on_commit(record_schema, "late")
        assert broker.queues["tenancy-tests"].qsize() == 0
    assert len(callbacks) == 1
    message = broker.queues["tenancy-tests"].get_nowait()
    broker.queues["tenancy-tests"].task_done()
    assert dramatiq.Message.decode(message).options[SCHEMA_OPTION] == kriens.schema_name


def test_enqueue_on_commit_sends_nothing_on_rollback(
    kriens, in_commune, broker, django_capture_on_commit_callbacks
):
    """A rolled-back transaction sends no job."""
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
        in_commune(kriens),
    ):
        enqueue_on_commit(record_schema, "never")
        raise RuntimeError("rollback")
    assert callbacks == []
    assert broker.queues.get("tenancy-tests") is None or broker.queues["tenancy-tests"].qsize() == 0


def test_enqueue_on_commit_survives_an_unreachable_broker(
    kriens, in_commune, broker, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    """The data is committed before the send: a broker that is down does not fail the caller;
    the failure is logged for the sweeper, and nothing is queued."""
    from dramatiq.brokers.rabbitmq import ConnectionClosed

    def down(message, *, delay=None):
        raise ConnectionClosed(OSError("connection refused"))

    monkeypatch.setattr(broker, "enqueue", down)
    with (
        caplog.at_level("ERROR", logger="tenants.jobs"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        in_commune(kriens),
    ):
        enqueue_on_commit(record_schema, "lost")
    assert len(callbacks) == 1
    assert any("left for the sweeper" in r.getMessage() for r in caplog.records)
    assert broker.queues.get("tenancy-tests") is None or broker.queues["tenancy-tests"].qsize() == 0


def test_the_scheduler_fans_out_once_per_active_commune(broker, run_jobs, monkeypatch):
    """One tick sends each periodic actor once to every active commune (merged Honau excluded)."""
    from tenants import scheduler

    monkeypatch.setattr(scheduler, "_periodic", [])
    monkeypatch.setattr(scheduler, "_periodic_public", [])
    periodic(record_tick)
    assert fan_out() == 79
    schemas = [schema for _label, schema in run_jobs()]
    assert len(schemas) == 79 == len(set(schemas))
    assert "gemeinde_1057" not in schemas and "public" not in schemas


def test_the_scheduler_runs_a_public_periodic_actor_once_in_public(broker, run_jobs, monkeypatch):
    """A ``periodic_public`` actor is sent once per tick, in the public schema."""
    from tenants import scheduler

    monkeypatch.setattr(scheduler, "_periodic", [])
    monkeypatch.setattr(scheduler, "_periodic_public", [])
    scheduler.periodic_public(record_tick)
    assert fan_out() == 1
    assert [schema for _label, schema in run_jobs()] == ["public"]
