"""A bound on the catalog cache a PostgreSQL backend of the web process keeps.

PostgreSQL caches the system-catalog entries (relations, attributes, indexes) of every table a
backend has touched, per backend, and never evicts them: with one schema per commune a backend
grows by ~0.7–0.9 MiB per commune schema it has served, 1.4 GiB and more for all 2,110 Swiss
communes (`bench.scaling`). The bound is by design: a connection serves at most
`DB_SCHEMAS_PER_CONNECTION` distinct schemas; at the end of the request that reaches the budget
the connection is closed and the next request opens a fresh backend with an empty cache. A
backend's catalog cache is thus at most budget × per-schema size (100 × 0.9 MiB ≈ 90 MiB),
whatever the number of communes, for one reconnect (~5 ms) per 100 communes served.
"""

from __future__ import annotations

from django.conf import settings
from django.core.signals import request_finished
from django.db import connections
from django_tenants.utils import get_tenant_database_alias

DEFAULT_SCHEMAS_PER_CONNECTION = 100


def schemas_per_connection() -> int:
    return int(getattr(settings, "DB_SCHEMAS_PER_CONNECTION", DEFAULT_SCHEMAS_PER_CONNECTION))


def note_schema_served(**kwargs) -> None:
    """Count the schema the connection served; close the connection at the budget."""
    connection = connections[get_tenant_database_alias()]
    raw = connection.connection
    if raw is None:
        return
    owner, seen = getattr(connection, "_catalog_budget", (None, set()))
    if owner is not raw:  # a new backend since the last request: its cache is empty
        seen = set()
    seen.add(connection.schema_name)
    connection._catalog_budget = (raw, seen)
    if len(seen) >= schemas_per_connection() and not connection.in_atomic_block:
        connection.close()
        connection._catalog_budget = (None, set())


def connect() -> None:
    request_finished.connect(note_schema_served, dispatch_uid="tenants.catalog_budget")
