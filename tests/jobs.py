"""Test helper: run the jobs waiting on the stub broker in this thread, each in the commune it
was sent from (as tenants.jobs.CommuneJobMiddleware does in a worker). A worker thread would
not see the test's uncommitted rows (see /work/shared/PITFALLS.md, "Tests").

Jobs written to the outbox (``tenants.outbox``) are relayed to the stub broker first, as the
workers' relay does after the commit: on the test's own connection, which sees its rows."""

from __future__ import annotations

import dramatiq
from django_tenants.utils import get_public_schema_name, schema_context

from tenants.jobs import SCHEMA_OPTION
from tenants.outbox import outbox_relay


def relay_outbox() -> int:
    """Hand every job waiting in the outbox to the (stub) broker; returns how many."""
    relayed = 0
    while sent := outbox_relay():
        relayed += sent
    return relayed


def run_queued(queue_name: str) -> int:
    """Run every message queued on ``queue_name`` (also those the jobs enqueue); returns how
    many ran."""
    broker = dramatiq.get_broker()
    ran = 0
    while True:
        relay_outbox()  # also the jobs the jobs just run wrote
        queue = broker.queues.get(queue_name)
        if queue is None or queue.empty():
            return ran
        message = dramatiq.Message.decode(queue.get_nowait())
        actor = broker.get_actor(message.actor_name)
        with schema_context(message.options.get(SCHEMA_OPTION) or get_public_schema_name()):
            actor.fn(*message.args, **message.kwargs)
        ran += 1


def flush_queue(queue_name: str) -> None:
    relay_outbox()
    queue = dramatiq.get_broker().queues.get(queue_name)
    while queue is not None and not queue.empty():
        queue.get_nowait()


def queued(queue_name: str) -> list[dramatiq.Message]:
    """The messages waiting on ``queue_name`` (left in place)."""
    relay_outbox()
    queue = dramatiq.get_broker().queues.get(queue_name)
    return [dramatiq.Message.decode(m) for m in list(queue.queue)] if queue is not None else []
