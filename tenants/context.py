"""The commune the current request or job runs in, for code that must not touch schemas;
and, for management commands and tools above ``tenants``, a block run in a commune's schema or
in ``public`` (requests and jobs get their schema from the middlewares instead)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

from .models import Commune


def current_commune() -> Commune | None:
    """The Commune whose schema is active, or None in the public schema."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Commune):
        return tenant
    schema = getattr(connection, "schema_name", None)
    if not schema or schema == "public":
        return None
    return Commune.objects.filter(schema_name=schema).first()


@contextmanager
def in_commune(commune: Commune) -> Iterator[Commune]:
    """Run the block in ``commune``'s schema, then return to the schema held before."""
    with schema_context(commune.schema_name):
        yield commune


@contextmanager
def in_public() -> Iterator[None]:
    """Run the block in the ``public`` schema, then return to the schema held before."""
    with schema_context(get_public_schema_name()):
        yield
