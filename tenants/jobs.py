"""Jobs carry their commune: captured when the send is requested, restored around execution.

Other apps never pass a schema: they call ``enqueue_on_commit(actor, ...)`` (or ``actor.send``)
in the current commune, and the worker runs the actor in that commune again. ``actor`` may be
the actor or its name (``"run_step"``): code below the module that declares an actor sends it by
name, without importing it.
"""

from __future__ import annotations

import logging
from typing import Any

import dramatiq
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name
from dramatiq.middleware import Middleware, SkipMessage

logger = logging.getLogger(__name__)

SCHEMA_OPTION = "commune_schema"

ActorRef = dramatiq.Actor | str


def actor_of(actor: ActorRef) -> dramatiq.Actor:
    """The actor itself, or the one declared under that name on the current broker
    (``dramatiq.errors.ActorNotFound`` if no module declared it)."""
    return dramatiq.get_broker().get_actor(actor) if isinstance(actor, str) else actor


def current_schema() -> str:
    return getattr(connection, "schema_name", None) or get_public_schema_name()


def enqueue_on_commit(actor: ActorRef, *args: Any, **kwargs: Any) -> None:
    """Send ``actor`` once the current transaction commits, in the commune current *now*.

    The data is committed by then: a failing send (broker down) must not fail the request that
    committed it. The error is logged and the work is left for a periodic sweeper (e.g.
    ``cases.actors.sweep_steps``), which re-enqueues what has no live message. A job that no
    sweeper re-sends (e.g. a notification mail) goes through ``tenants.outbox`` instead.
    """
    schema = current_schema()
    actor = actor_of(actor)

    def send() -> None:
        try:
            send_in_schema(actor, schema, *args, **kwargs)
        except Exception:
            logger.exception(
                "enqueue of %s failed (broker unreachable?); left for the sweeper",
                actor.actor_name,
                extra={"commune_schema": schema, "job_args": repr(args)[:200]},
            )

    transaction.on_commit(send)


def send_in_schema(actor: ActorRef, schema: str, *args: Any, **kwargs: Any) -> dramatiq.Message:
    """Send ``actor`` for an explicit commune schema (the scheduler's fan-out, hand-overs)."""
    return actor_of(actor).send_with_options(args=args, kwargs=kwargs, **{SCHEMA_OPTION: schema})


class CommuneJobMiddleware(Middleware):
    """Stamps each message with the sender's schema and runs it there.

    After every message, processed, failed or skipped, the worker's connection is put back to
    the public schema, so that an actor that switched schema cannot leak into the next message.
    A message naming a schema that no longer exists is skipped (fail-closed), never run in public.
    """

    def before_enqueue(self, broker, message, delay):
        message.options.setdefault(SCHEMA_OPTION, current_schema())

    def before_process_message(self, broker, message):
        schema = message.options.get(SCHEMA_OPTION) or get_public_schema_name()
        if schema == get_public_schema_name():
            connection.set_schema(schema)
            return
        from .routing import commune_for_schema

        commune = commune_for_schema(schema, _commune_with_schema)
        if commune is None:
            logger.error(
                "job for unknown commune schema %s skipped",
                schema,
                extra={"message_id": message.message_id},
            )
            raise SkipMessage(f"unknown commune schema {schema}")
        # The commune itself, not just its schema name: current_commune() then needs no query.
        connection.set_tenant(commune)

    def _reset(self, *args, **kwargs):
        connection.set_schema_to_public()

    after_process_message = _reset
    after_skip_message = _reset
    after_worker_thread_boot = _reset


def _commune_with_schema(schema: str):
    """The Commune whose schema ``schema`` is, if both the row and the schema exist (one query)."""
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    from .models import Commune

    connection.set_schema_to_public()
    return (
        Commune.objects.alias(
            has_schema=RawSQL(
                "EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = tenants_commune.schema_name)",
                [],
                output_field=BooleanField(),
            )
        )
        .filter(schema_name=schema, has_schema=True)
        .first()
    )
