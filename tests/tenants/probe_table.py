"""A real transaction in a test: a fresh connection of the test database stands in for
``default`` (autocommit, outside pytest-django's per-test transaction), with a temporary table
of its session only, so each ``atomic`` commits and nothing outlives the test."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connections


@contextlib.contextmanager
def own_connection_with_table(table: str) -> Iterator[None]:
    """``default`` is a fresh connection holding the temporary table ``table`` (id, note)."""
    original = connections["default"]
    fresh = connections.create_connection("default")
    connections["default"] = fresh
    try:
        with fresh.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE {table} (id int PRIMARY KEY, note text)")
        yield
    finally:
        fresh.close()  # the temporary table goes with the session
        connections["default"] = original
