"""Jobs written in the transaction that asks for them (a transactional outbox).

``enqueue_in_transaction(actor, *args)`` writes the job as a row of ``tenants.OutboxJob``
(public schema, with the current commune's schema) in the caller's own transaction: sent with
its next statement or its ``COMMIT`` (``DatabaseWrapper.write_later``), so it costs the request
no round trip and no broker call. A rolled-back transaction leaves no job; a committed one leaves
a job that no crash, broker outage or restart can lose.

The workers' relay (``OutboxRelayMiddleware``, a thread in every worker process) ``LISTEN``s on
``CHANNEL`` (a trigger notifies at each commit that wrote jobs) and looks at least every
``POLL_SECONDS`` seconds anyway. ``outbox_relay`` takes the oldest waiting rows with ``FOR UPDATE
SKIP LOCKED`` (several relays never take the same row), hands each to the broker in the commune it
was written in (``tenants.jobs.send_in_schema``) and deletes those the broker accepted, in one
transaction (which does not wait for the disk at its commit); after a notification it waits
``GATHER_SECONDS`` for more, so that a busy portal's jobs go out in batches. A job the broker
refuses stays for the next pass. With RabbitMQ the relay's publishes wait for the broker's
confirm (``tenants.rabbitmq``): "accepted" means RabbitMQ has the message, not only that it
was written to the socket. Should the relay die between the broker's acceptance and its
``COMMIT``, the job is sent again: jobs sent this way must be idempotent (the notification mail
carries its own key).

An actor declared ``batched`` gets the jobs of one commune that one pass takes in one message,
as the list of their argument lists (at most ``BATCH_PER_MESSAGE``): one broker message and one
worker run instead of one each, for jobs such as the notification mails that come in bursts and
each stay idempotent on their own.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import threading
from typing import Any

import dramatiq
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connection, connections, transaction
from dramatiq.errors import ActorNotFound
from dramatiq.middleware import Middleware

from .jobs import ActorRef, actor_of, current_schema, send_in_schema

logger = logging.getLogger(__name__)

# Notified by the trigger of migration tenants.0010 after each statement that wrote jobs.
CHANNEL = "tenants_outbox"
# How long the relay waits for a notification before it looks anyway.
POLL_SECONDS = 5.0
# After a failure (database or broker away), the relay tries again after this long.
RETRY_SECONDS = 2.0
# Rows per relay transaction.
BATCH = 200
# Jobs of a ``batched`` actor in one message, at most.
BATCH_PER_MESSAGE = 50
# After a notification the relay waits this long for more commits, so that a busy portal's jobs
# go out in a few transactions instead of one per commit.
GATHER_SECONDS = 0.05

_INSERT_SQL = (
    "INSERT INTO tenants_outboxjob (schema_name, actor_name, args) VALUES (%s, %s, %s::jsonb)"
)
_CLAIM_SQL = (
    "SELECT id, schema_name, actor_name, args FROM tenants_outboxjob "
    "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED"
)
_DONE_SQL = "DELETE FROM tenants_outboxjob WHERE id = ANY(%s)"
_BACKLOG_SQL = "SELECT count(*), min(created_at) FROM tenants_outboxjob"

_keys = itertools.count()

# Names of the actors that take their jobs in batches (``batched``).
_BATCHED: set[str] = set()


def batched(actor: Any) -> Any:
    """Declare that ``actor`` (a Dramatiq actor with one parameter) takes the outbox jobs written
    for it as batches: ``actor([args, args, ...])``, each ``args`` the list of one job's
    arguments, all of one commune. Its jobs are written as any other's
    (``enqueue_in_transaction(actor, *args)``). A retried batch runs all of them again: each
    must be idempotent on its own."""
    _BATCHED.add(actor.actor_name)
    return actor


def enqueue_in_transaction(actor: ActorRef, *args: Any) -> None:
    """Send ``actor`` with ``args`` (JSON values: ids, keys, flags) once the current
    transaction commits, in the commune current now; never if it rolls back. The job is
    written with the transaction (see the module docstring); outside a transaction it is
    written at once. An actor no module declares raises ``ActorNotFound`` here."""
    name = actor_of(actor).actor_name
    statement = (_INSERT_SQL, [current_schema(), name, json.dumps(args)])
    if not connection.write_later(("outbox", next(_keys)), lambda: [statement], always=True):
        with connection.cursor() as cursor:
            cursor.execute(*statement)


def outbox_relay(*, limit: int = BATCH) -> int:
    """Hand up to ``limit`` committed jobs to the broker, oldest first, each in the commune it
    was written in (those of a ``batched`` actor together, per commune); returns how many left
    the outbox (deleted: taken by the broker, or dropped when no actor of that name exists any
    more). Stops at the first refusal: that message's jobs and those after it stay for the
    next pass."""
    _publishes_confirmed()
    with transaction.atomic(), connection.cursor() as cursor:
        # Its COMMIT need not wait for the disk: should the deletion be lost in a crash, the
        # jobs are sent again, and they are idempotent (see the module docstring).
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(_CLAIM_SQL, [limit])
        done = []
        for actor_name, schema, jobs in _messages(cursor.fetchall()):
            ids = [job_id for job_id, _args in jobs]
            args = [[args for _id, args in jobs]] if actor_name in _BATCHED else jobs[0][1]
            try:
                send_in_schema(actor_name, schema, *args)
            except ActorNotFound:
                # Code that wrote it is gone (a rollback of a release): nothing can run it.
                logger.error("outbox job(s) %s for unknown actor %s dropped", ids, actor_name)
            except Exception:
                logger.warning(
                    "broker refused job(s) %s (%s); the rest wait for the next pass",
                    ids,
                    actor_name,
                    exc_info=True,
                )
                break
            done += ids
        if done:
            cursor.execute(_DONE_SQL, [done])
    return len(done)


def _publishes_confirmed() -> None:
    """Make this thread's publishes wait for the broker's confirm where the broker can
    (``tenants.rabbitmq.RabbitmqBroker``): a job is deleted only once the broker has it.
    The PostgreSQL broker has the message in its table when its call returns; Redis has it in
    memory, and keeps it through a restart only with its own persistence (AOF) switched on."""
    confirm = getattr(dramatiq.get_broker(), "confirm_publishes", None)
    if confirm is not None:
        confirm()


def _messages(rows: list[tuple]) -> list[tuple[str, str, list[tuple[int, list]]]]:
    """The claimed rows as messages, in the order of their first job: (actor, schema, jobs),
    a job being (id, its arguments); the jobs of a ``batched`` actor grouped per commune (at
    most ``BATCH_PER_MESSAGE``), every other job alone."""
    messages: list[tuple[str, str, list[tuple[int, list]]]] = []
    open_batches: dict[tuple[str, str], list[tuple[int, list]]] = {}
    for job_id, schema, actor_name, args in rows:
        # Django's connection reads jsonb as text (JSONField decodes it).
        job = (job_id, json.loads(args))
        if actor_name not in _BATCHED:
            messages.append((actor_name, schema, [job]))
            continue
        jobs = open_batches.get((actor_name, schema))
        if jobs is None or len(jobs) >= BATCH_PER_MESSAGE:
            jobs = open_batches[(actor_name, schema)] = []
            messages.append((actor_name, schema, jobs))
        jobs.append(job)
    return messages


def outbox_backlog() -> tuple[int, dt.datetime | None]:
    """How many jobs wait, and since when the oldest (for /healthz)."""
    with connection.cursor() as cursor:
        cursor.execute(_BACKLOG_SQL)
        count, oldest = cursor.fetchone()
    return count, oldest


class OutboxRelayMiddleware(Middleware):
    """Runs the relay in a thread of every worker process, from boot to shutdown."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def after_worker_boot(self, broker, worker) -> None:
        self.thread = threading.Thread(target=self.run, name="outbox-relay", daemon=True)
        self.thread.start()

    def before_worker_shutdown(self, broker, worker) -> None:
        self.stop.set()

    def run(self) -> None:
        """Relay until ``stop`` is set: everything waiting, then again at each notification
        or after ``POLL_SECONDS``; after a failure, again after ``RETRY_SECONDS``."""
        listener = None
        while not self.stop.is_set():
            try:
                if listener is None:
                    listener = _listening()
                connection.set_schema_to_public()
                while outbox_relay() == BATCH and not self.stop.is_set():
                    pass
                if _notified(listener.connection, timeout=POLL_SECONDS):
                    self.stop.wait(GATHER_SECONDS)
                    _drained(listener.connection)
            except Exception:
                logger.warning(
                    "outbox relay failed; next try in %s s", RETRY_SECONDS, exc_info=True
                )
                if listener is not None:
                    listener.close()
                    listener = None
                self.stop.wait(RETRY_SECONDS)
            finally:
                close_old_connections()
        if listener is not None:
            listener.close()


def _notified(driver: Any, *, timeout: float) -> bool:
    """Whether a notification came within ``timeout`` seconds. Others that came in the same
    packet are dropped with it: the pass that follows covers their commits."""
    notifications = driver.notifies(timeout=timeout, stop_after=1)
    try:
        return next(notifications, None) is not None
    finally:
        notifications.close()  # psycopg holds the connection's lock while it iterates


def _drained(driver: Any) -> None:
    """Drop the notifications that have come meanwhile (during the gathering wait): their
    commits are before the pass that follows, which covers them. Waiting for each one on its
    own would hold back every later job (a busy portal's notifications arrive in packets)."""
    for _notification in driver.notifies(timeout=0):
        pass


def _listening():
    """A connection of its own (the settings of ``default``) that listens on ``CHANNEL``."""
    listener = connections.create_connection(DEFAULT_DB_ALIAS)
    listener.ensure_connection()
    listener.connection.execute(f"LISTEN {CHANNEL}")
    return listener
