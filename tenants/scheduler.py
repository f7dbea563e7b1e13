"""Periodic jobs: one public tick fans out one message per active commune.

Apps register per-commune actors with ``@periodic``; ``manage.py run_scheduler`` sends the public
``scheduler_tick`` every SCHEDULER_TICK_SECONDS, and the tick sends each registered actor once
for every active commune. Actors registered with ``@periodic_public`` (work on public tables that
covers all communes at once) are sent once per tick, in the public schema.
"""

from __future__ import annotations

import dramatiq

_periodic: list[dramatiq.Actor] = []
_periodic_public: list[dramatiq.Actor] = []


def periodic(actor: dramatiq.Actor) -> dramatiq.Actor:
    """Register an actor to run in every active commune at each scheduler tick."""
    if actor not in _periodic:
        _periodic.append(actor)
    return actor


def periodic_actors() -> list[dramatiq.Actor]:
    return list(_periodic)


def periodic_public(actor: dramatiq.Actor) -> dramatiq.Actor:
    """Register an actor to run once, in the public schema, at each scheduler tick (it decides
    itself how often it really works, e.g. once a day behind a cache key)."""
    if actor not in _periodic_public:
        _periodic_public.append(actor)
    return actor


def periodic_public_actors() -> list[dramatiq.Actor]:
    return list(_periodic_public)


def fan_out() -> int:
    """Send every periodic actor once per active commune and every public periodic actor once;
    returns the number of messages."""
    from django_tenants.utils import get_public_schema_name

    from .jobs import send_in_schema
    from .models import Commune

    schemas = list(
        Commune.objects.filter(status=Commune.Status.ACTIVE).values_list("schema_name", flat=True)
    )
    sent = 0
    for actor in periodic_actors():
        for schema in schemas:
            send_in_schema(actor, schema)
            sent += 1
    for actor in periodic_public_actors():
        send_in_schema(actor, get_public_schema_name())
        sent += 1
    return sent
