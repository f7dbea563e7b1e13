"""django-tenants' PostgreSQL backend, with the ``SET search_path`` sent in the same round trip
as the statement that needs it.

django-tenants issues ``SET search_path`` on its own whenever a cursor is taken after the
connection changed schema: with requests alternating between communes that is one extra round
trip (and one more pass through Django's cursor wrapper) per request. Here the SET waits on the
cursor and travels in front of the cursor's next data statement as one simple-protocol query
(``SET search_path = …; SELECT …``, client-side binding), whose first result is skipped. The
connection's record of the search path (``search_path_set_schemas``) is updated only once the
database has run it, and cleared when that query fails (in autocommit mode PostgreSQL rolls the
SET back with the failed statement; inside a transaction the rollback clears it anyway).

Statements that cannot share a query string (``CREATE INDEX CONCURRENTLY``, ``VACUUM``,
``executemany``, ``COPY``, …) get the SET separately first, as before.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.postgresql.base import Cursor as DjangoCursor
from django_tenants.postgresql_backend.base import (  # noqa: F401 - the backend's other names
    DatabaseError,
    IntegrityError,
)
from django_tenants.postgresql_backend.base import (
    DatabaseWrapper as TenantDatabaseWrapper,
)
from django_tenants.utils import get_limit_set_calls, quote_schema_name

# Plain data statements only: they may run inside the implicit transaction of a
# multi-statement query string.
_FOLDABLE = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)


class SearchPathCursor(DjangoCursor):
    """A client-side binding cursor that carries a pending ``SET search_path``."""

    _pending: tuple[list[str], Any] | None = None

    def _take_pending(self) -> tuple[list[str], Any] | None:
        pending, self._pending = self._pending, None
        if pending is None:
            return None
        paths, wrapper = pending
        if get_limit_set_calls() and wrapper.search_path_set_schemas == paths:
            return None  # another cursor of the connection has set it meanwhile
        return pending

    @staticmethod
    def _set_sql(paths: list[str]) -> str:
        return "SET search_path = {}".format(",".join(quote_schema_name(s) for s in paths))

    def _set_now(self, pending: tuple[list[str], Any]) -> None:
        paths, wrapper = pending
        try:
            super().execute(self._set_sql(paths))
        except psycopg.Error:
            # As django-tenants does: in an aborted transaction the SET fails, and so will the
            # statement after it unless it is the ROLLBACK that ends the transaction.
            wrapper.search_path_set_schemas = None
        else:
            wrapper.search_path_set_schemas = paths

    def execute(self, query, params=None, **kwargs):
        pending = self._take_pending()
        if pending is None:
            return super().execute(query, params, **kwargs)
        paths, wrapper = pending
        set_sql = self._set_sql(paths)
        if not isinstance(query, str) or not _FOLDABLE.match(query) or "%" in set_sql:
            self._set_now(pending)
            return super().execute(query, params, **kwargs)
        try:
            super().execute(f"{set_sql}; {query}", params, **kwargs)
        except Exception:
            wrapper.search_path_set_schemas = None
            raise
        wrapper.search_path_set_schemas = paths
        self.nextset()  # the SET's (empty) result comes first
        return self

    def executemany(self, query, params_seq, **kwargs):
        pending = self._take_pending()
        if pending is not None:
            self._set_now(pending)
        return super().executemany(query, params_seq, **kwargs)

    def copy(self, statement, *args, **kwargs):
        pending = self._take_pending()
        if pending is not None:
            self._set_now(pending)
        return super().copy(statement, *args, **kwargs)

    def stream(self, query, params=None, **kwargs):
        pending = self._take_pending()
        if pending is not None:
            self._set_now(pending)
        return super().stream(query, params, **kwargs)


class DatabaseWrapper(TenantDatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        if params.get("cursor_factory") is DjangoCursor:
            params["cursor_factory"] = SearchPathCursor
        return params

    def _handle_search_path(self, cursor=None):
        # django-tenants hands over Django's cursor wrapper; the SET waits on the driver's cursor.
        raw = getattr(cursor, "cursor", None)
        if self._setting_search_path or not isinstance(raw, SearchPathCursor):
            return super()._handle_search_path(cursor)
        if get_limit_set_calls() and self.search_path_set_schemas:
            return
        if not self.schema_name:
            raise ImproperlyConfigured(
                "Database schema not set. Did you forget to call set_schema() or set_tenant()?"
            )
        raw._pending = (self._get_cursor_search_paths(), self)
