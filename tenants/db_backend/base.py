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

Deferred writes (``DatabaseWrapper.write_later``, used through ``cases.services.deferred``):
inside a transaction, a caller may hand over a write whose result it does not need as a
function that builds its SQL. The builds wait on the connection, keyed (a later write of the
same key replaces the earlier one and moves to the end), and are sent in front of the
connection's next statement of any kind, in the same query string where it is a plain data
statement, else just before it; at commit they travel with the ``COMMIT`` itself, pipelined
(see below). Every statement therefore still sees every write made before it, and a failing
write fails that query and the transaction. A rollback drops them; switching the schema sends them first (they
were built for the schema they were made in).

Pipelined statements (``DatabaseWrapper.run_pipelined``): several statements, with the
waiting BEGIN, SET and deferred writes in front, in one round trip in libpq's pipeline mode,
each bound on the server and kept prepared on the connection (see
``SearchPathCursor.execute_pipelined``).

BEGIN with the first statement: psycopg starts a transaction by sending ``BEGIN`` alone, one
round trip before the transaction's first statement. Here the driver stays in autocommit mode;
when Django turns autocommit off (``atomic``), the ``BEGIN`` waits on the connection and travels
in front of the transaction's first statement, in the same query string (or just before a
statement that cannot share one). psycopg's ``commit()`` and ``rollback()`` act on the server's
transaction status, so COMMIT and ROLLBACK are sent as before; a transaction that sent nothing
sends neither. If a query string carrying the ``BEGIN`` fails before the server ran it, the
``BEGIN`` waits again for the next statement: nothing of the transaction ever runs outside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
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
from django_tenants.utils import get_limit_set_calls

from .cursor import SearchPathCursor, Statement


class DatabaseWrapper(TenantDatabaseWrapper):
    # Whether ``write_later`` defers (see the module docstring); set by
    # ``cases.services.deferred.writes_deferred``.
    defer_writes = False
    # CONN_HEALTH_CHECKS: a connection whose last statement or commit succeeded less than this
    # many seconds ago is not pinged (``SELECT 1``) before the next request or job uses it (a
    # busy worker or web process would ping before every one). Should PostgreSQL have dropped
    # it within that second, that request fails, or that job is retried, as before Django 4.1.
    HEALTH_CHECK_FRESH_SECONDS = 1.0
    answered_at = float("-inf")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._deferred: dict[Hashable, tuple[Callable[[], list[Statement]], Any]] = {}
        # The transaction's BEGIN, waiting for its first statement (see the module docstring).
        self._begin_pending = False

    # --- BEGIN with the first statement ----------------------------------------------------
    def _set_autocommit(self, autocommit):
        if autocommit:
            self._begin_pending = False
            return super()._set_autocommit(True)
        # The driver stays in autocommit mode; the BEGIN waits for the first statement.
        if not self.connection.autocommit:
            super()._set_autocommit(True)
        self._begin_pending = True
        return None

    def begin_pending(self) -> bool:
        """Whether the transaction has started in Django but sent nothing yet."""
        return self._begin_pending

    def _begin_sql(self) -> str:
        parts = ["BEGIN"]
        level = self.connection.isolation_level
        if level is not None:
            parts.append("ISOLATION LEVEL " + psycopg.IsolationLevel(level).name.replace("_", " "))
        if self.connection.read_only is not None:
            parts.append("READ ONLY" if self.connection.read_only else "READ WRITE")
        return " ".join(parts)

    def begin_taken(self) -> list[Statement]:
        """The waiting BEGIN as a statement to send (now no longer waiting), or nothing."""
        if not self._begin_pending or self.connection is None:
            return []
        self._begin_pending = False
        return [(self._begin_sql(), None)]

    def begin_check(self) -> None:
        """After a query string carrying the BEGIN failed: if the server did not run it (no
        transaction open), the BEGIN waits again, so no later statement runs outside it."""
        if (
            not self.get_autocommit()
            and self.connection is not None
            and not self.connection.closed
            and self.connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        ):
            self._begin_pending = True

    def begin_now(self) -> None:
        """Send the waiting BEGIN on its own (before a cursor that does not carry it)."""
        begin = self.begin_taken()
        if begin:
            with self.wrap_database_errors:
                try:
                    self.connection.execute(begin[0][0])
                except Exception:
                    self.begin_check()
                    raise

    # --- Deferred writes -------------------------------------------------------------------
    def write_later(
        self,
        key: Hashable,
        build: Callable[[], list[Statement]],
        state: Any = None,
        *,
        always: bool = False,
    ) -> bool:
        """Defer the statements ``build()`` returns under ``key`` (replacing and moving to the
        end an earlier build of the same key); ``state`` is kept for ``deferred_state``.
        Returns False, deferring nothing, outside ``defer_writes`` (unless ``always``: a write
        nothing in the transaction reads, such as ``tenants.outbox``'s) or outside a
        transaction: the caller then writes now."""
        if not (self.defer_writes or always) or not self.in_atomic_block:
            return False
        self._deferred.pop(key, None)
        self._deferred[key] = (build, state)
        return True

    def has_deferred_writes(self) -> bool:
        return bool(self._deferred)

    def deferred_state(self, key: Hashable) -> Any:
        """The ``state`` of the write deferred under ``key`` (None when there is none)."""
        entry = self._deferred.get(key)
        return entry[1] if entry is not None else None

    def deferred_built(self) -> list[Statement]:
        """Take the deferred writes, built now, in order."""
        if not self._deferred:
            return []
        deferred, self._deferred = self._deferred, {}
        return [statement for build, _state in deferred.values() for statement in build()]

    def create_cursor(self, name=None):
        if name:
            # A server-side cursor's DECLARE goes through psycopg's own cursor: the BEGIN first;
            # held past the transaction only in autocommit mode, as Django's (which asks the
            # driver, always in autocommit mode here).
            self.begin_now()
            cursor = super().create_cursor(name)
            cursor._withhold = self.get_autocommit()
            return cursor
        cursor = super().create_cursor(name)
        if isinstance(cursor, SearchPathCursor):
            cursor._wrapper = self
        return cursor

    def run_pipelined(self, statements: Sequence[Statement]) -> list[list[tuple] | None]:
        """``statements`` (each one statement) in one round trip, kept prepared, in the
        current transaction; each one's rows (None where it returns none). See
        ``SearchPathCursor.execute_pipelined``. Execute wrappers
        (``connection.execute_wrapper``: instrumentation, query counters) see the round trip
        once, as the statements' SQL joined and their parameters in order."""
        self.validate_no_broken_transaction()
        with self.wrap_database_errors, self.cursor() as cursor:

            def executor(_sql: str, _params: Any, _many: bool, _context: dict) -> Any:
                return cursor.cursor.execute_pipelined(statements)

            if self.execute_wrappers:
                sql = ";\n".join(sql for sql, _params in statements)
                params = [p for _sql, params in statements for p in (params or ())]
                rows = cursor._execute_with_wrappers(sql, params, many=False, executor=executor)
            else:
                rows = executor("", None, False, {})
        self.answered_at = time.monotonic()
        return rows

    def _commit(self):
        if self._deferred and self.connection is not None:
            # Django's cursor: it carries the pending SET search_path, if any.
            with self.wrap_database_errors, self.cursor() as cursor:
                cursor.cursor.commit_with_writes()
            # psycopg sees the connection idle: its commit() below sends nothing more.
        committed = super()._commit()
        self.answered_at = time.monotonic()
        # Still in a transaction for Django (autocommit off without atomic): the next one waits.
        self._begin_pending = not self.get_autocommit()
        return committed

    def _rollback(self):
        self._deferred.clear()
        rolled_back = super()._rollback()
        self._begin_pending = not self.get_autocommit()
        return rolled_back

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and time.monotonic() - self.answered_at < self.HEALTH_CHECK_FRESH_SECONDS
            and not self.connection.closed
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _close(self):
        self._deferred.clear()
        self._begin_pending = False
        return super()._close()

    def _send_deferred(self) -> None:
        if getattr(self, "_deferred", None) and self.connection is not None:
            with self.cursor() as cursor:
                cursor.cursor._flush()

    def set_tenant(self, tenant, include_public=True):
        # set_schema and set_schema_to_public come here too.
        self._send_deferred()
        return super().set_tenant(tenant, include_public)

    def get_connection_params(self):
        params = super().get_connection_params()
        # Only statements kept prepared (``prepare=True``: the pipelined ones and
        # ``tenants.prepared``) have a plan cache: primary-key lookups, upserts and writes whose
        # generic plan is the custom one. Planned once per connection and commune
        # (``schema_keyed``) instead of five custom plans first (~1.5 ms each for the case lock).
        options = params.get("options", "")
        if "plan_cache_mode" not in options:
            params["options"] = f"{options} -c plan_cache_mode=force_generic_plan".strip()
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
