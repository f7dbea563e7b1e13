"""The commune the current request or job runs in, for code that must not touch schemas."""

from __future__ import annotations

from django.db import connection

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
