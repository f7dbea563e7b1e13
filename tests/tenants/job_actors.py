"""Actors for the job middleware tests (registered on the test's stub broker)."""

import dramatiq
from django.db import connection

from tenants.outbox import batched

seen: list[tuple[str, str]] = []


@dramatiq.actor(queue_name="tenancy-tests", max_retries=0)
def record_schema(label: str) -> None:
    seen.append((label, connection.schema_name))


@dramatiq.actor(queue_name="tenancy-tests", max_retries=0)
def switch_schema_and_stay(label: str, schema: str) -> None:
    """Misbehaves on purpose: switches schema and does not switch back."""
    connection.set_schema(schema)
    seen.append((label, connection.schema_name))


@dramatiq.actor(queue_name="tenancy-tests", max_retries=0)
def fail(label: str) -> None:
    seen.append((label, connection.schema_name))
    raise RuntimeError("boom")


@dramatiq.actor(queue_name="tenancy-tests", max_retries=0)
def record_tick() -> None:
    seen.append(("tick", connection.schema_name))


@batched
@dramatiq.actor(queue_name="tenancy-tests", max_retries=0)
def record_batch(jobs: list) -> None:
    """Takes its outbox jobs in batches (``tenants.outbox.batched``)."""
    seen.append((repr(jobs), connection.schema_name))
