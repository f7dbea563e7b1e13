"""The backend's cursor: carries the connection's pending ``SET search_path``, its waiting
``BEGIN`` and its deferred writes in front of the next statement, and sends statements
pipelined (see ``tenants.db_backend.base`` for the whole picture)."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import psycopg
from django.db.backends.postgresql.base import Cursor as DjangoCursor
from django_tenants.utils import get_limit_set_calls, quote_schema_name

# Plain data statements only: they may run inside the implicit transaction of a
# multi-statement query string.
_FOLDABLE = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)

_ROLLBACK = re.compile(r"\s*ROLLBACK\b", re.IGNORECASE)

# Transaction statements that may follow the BEGIN in one query string.
_AFTER_BEGIN = re.compile(r"\s*(SAVEPOINT|RELEASE|SET\s+LOCAL|SET\s+CONSTRAINTS)\b", re.IGNORECASE)

Statement = tuple[str, Sequence[Any] | None]

# Schema names as django-tenants allows them; only such a search path is written into a comment.
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# Statements psycopg keeps prepared per connection (the least recently used one is deallocated
# beyond that): each commune's hot statements are prepared separately (``schema_keyed``), about
# 25 per commune for orders and the machine. Measured: ~230 KiB of server memory for each of the
# two case-lock SELECTs, far less for the writes; so at most ~50-100 MiB per connection. With
# more communes busy on one connection than fit, the coldest are planned again when they come
# back, as every statement was at each change of commune before.
PREPARED_MAX = 500


def _joined(statements: Sequence[Statement]) -> Statement:
    """Several statements as one query string. Parameters are bound on the client: when any
    statement has them, the literal ``%`` of those without are escaped. Named parameters (a
    mapping) can only be joined with statements that have none (``SearchPathCursor._execute``
    sends deferred writes before such a statement)."""
    if all(params is None for _sql, params in statements):
        return "; ".join(sql for sql, _params in statements), None
    named = [params for _sql, params in statements if isinstance(params, Mapping)]
    if named:
        parts = [
            sql if params is not None else sql.replace("%", "%%") for sql, params in statements
        ]
        return "; ".join(parts), named[0]
    parts, args = [], []
    for sql, params in statements:
        if params is None:
            parts.append(sql.replace("%", "%%"))
        else:
            parts.append(sql)
            args.extend(params)
    return "; ".join(parts), args


def allow_prepared(driver: psycopg.Connection) -> None:
    """Let psycopg keep statements prepared that ask for it (``prepare=True``), up to
    ``PREPARED_MAX`` per connection.

    Django leaves the driver's automatic preparation off (None), which refuses explicit
    preparation too: this number of runs is never reached by unprepared statements (Django's
    own cursors bind on the client and are never prepared anyway)."""
    if driver.prepare_threshold is None:
        driver.prepare_threshold = 2**31 - 1
        driver.prepared_max = PREPARED_MAX


def schema_keyed(sql: str, search_path: Sequence[str] | None) -> str:
    """``sql`` to be kept prepared, with the search path it will run under as a leading comment.

    PostgreSQL re-analyses and re-plans a prepared statement whenever the session's
    ``search_path`` differs from the one it was planned under (measured: ~0.5 ms for the case
    lock's join, on every job when consecutive jobs belong to different communes). psycopg
    keys its prepared statements by their text, so with the path in the text each commune's
    statement is prepared once per connection and keeps its plan. Without a known path (or an
    unusual name in it) the text stays as it is: PostgreSQL then re-plans as before, which is
    slower, never wrong."""
    if not search_path or not all(_PLAIN_NAME.match(name) for name in search_path):
        return sql
    return f"/* {','.join(search_path)} */ {sql}"


class SearchPathCursor(DjangoCursor):
    """A client-side binding cursor that carries a pending ``SET search_path``."""

    _pending: tuple[list[str], Any] | None = None
    # The connection's Django wrapper (set by DatabaseWrapper.create_cursor): its deferred writes.
    _wrapper: Any = None

    def _writes(self) -> list[Statement]:
        return self._wrapper.deferred_built() if self._wrapper is not None else []

    def _begin(self) -> list[Statement]:
        """The transaction's waiting ``BEGIN`` (taken), or nothing."""
        return self._wrapper.begin_taken() if self._wrapper is not None else []

    def _flush(self) -> None:
        """Send the waiting BEGIN, the pending SET and the deferred writes now, on their own."""
        self._send_alone(self._begin(), self._take_pending(), self._writes())

    def _send_alone(
        self,
        begin: list[Statement],
        pending: tuple[list[str], Any] | None,
        writes: list[Statement],
    ) -> None:
        if begin:
            self._run_prefix(self._prefix(begin, pending, writes), pending)
            return
        if pending is not None:
            self._set_now(pending)
        if writes:
            self._run_prefix(writes, None)

    def _take_pending(self) -> tuple[list[str], Any] | None:
        pending, self._pending = self._pending, None
        if pending is None:
            return None
        paths, wrapper = pending
        if get_limit_set_calls() and wrapper.search_path_set_schemas == paths:
            return None  # another cursor of the connection has set it meanwhile
        return pending

    def _prefix(
        self,
        begin: list[Statement],
        pending: tuple[list[str], Any] | None,
        writes: list[Statement],
    ) -> list[Statement]:
        """What goes in front of a statement, in this order: the waiting BEGIN, the pending
        SET, the deferred writes."""
        set_path = [(self._set_sql(pending[0]), None)] if pending is not None else []
        return [*begin, *set_path, *writes]

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
        result = self._execute(query, params, **kwargs)
        if self._wrapper is not None:
            self._wrapper.answered_at = time.monotonic()
        return result

    def _execute(self, query, params=None, **kwargs):
        begin = self._begin()
        pending = self._take_pending()
        writes = self._writes()
        if writes and isinstance(query, str) and _ROLLBACK.match(query):
            # Made since the savepoint (``SAVEPOINT`` carried every earlier one): undone anyway.
            writes = []
        if not begin and pending is None and not writes:
            return super().execute(query, params, **kwargs)
        # Named parameters travel only with statements without any (the SET, the BEGIN):
        # deferred writes, which have positional ones, then go just before.
        named = isinstance(params, Mapping)
        foldable = isinstance(query, str) and (
            _FOLDABLE.match(query) or (begin and _AFTER_BEGIN.match(query))
        )
        if not foldable or (named and writes):
            self._send_alone(begin, pending, writes)
            return super().execute(query, params, **kwargs)
        # _joined escapes a literal ``%`` of the SET when other statements carry parameters.
        prefix = self._prefix(begin, pending, writes)
        self._send([*prefix, (query, params)], pending, **kwargs)
        for _statement in prefix:
            self.nextset()  # the SET's and the writes' results come first
        return self

    def _send(
        self, statements: list[Statement], pending: tuple[list[str], Any] | None, **kwargs
    ) -> None:
        """Send ``statements`` as one query string; the pending SET among them counts as set
        once it ran (and as unknown after a failure)."""
        with self._sending(pending):
            super().execute(*_joined(statements), **kwargs)

    @contextlib.contextmanager
    def _sending(self, pending: tuple[list[str], Any] | None) -> Iterator[None]:
        """Around sending the pending SET (and a waiting BEGIN): the SET counts as set once the
        block succeeded, as unknown after a failure, after which the BEGIN waits again if the
        server did not run it."""
        try:
            yield
        except Exception:
            if pending is not None:
                pending[1].search_path_set_schemas = None
            if self._wrapper is not None:
                self._wrapper.begin_check()
            raise
        if pending is not None:
            pending[1].search_path_set_schemas = pending[0]

    def _run_prefix(self, prefix: list[Statement], pending: tuple[list[str], Any] | None) -> None:
        self._send(prefix, pending)
        if self._wrapper is not None and self._wrapper.queries_logged:
            # Django's query log (DEBUG, CaptureQueriesContext) logs the query string that
            # carries deferred writes with a statement; these went alone, so they are added.
            self._wrapper.queries_log.append(
                {"sql": self._wrapper.ops.last_executed_query(self, "", None), "time": "0.000"}
            )

    def commit_with_writes(self) -> None:
        """The waiting BEGIN, the pending SET, the deferred writes and ``COMMIT`` in one round
        trip (pipelined, the writes kept prepared)."""
        self.execute_pipelined([("COMMIT", None)])

    def execute_pipelined(self, statements: Sequence[Statement]) -> list[list[tuple] | None]:
        """``statements`` in one round trip, in front of them the waiting BEGIN, the pending
        SET and the deferred writes; each statement's rows (None where it returns none).

        They travel in libpq's pipeline mode: each statement is bound on the server and
        statements with parameters are kept prepared on the connection (psycopg's cache), so
        PostgreSQL parses and plans each shape once per connection instead of once per query
        string, and no value is written into SQL text in Python. A prepared statement is
        re-planned by PostgreSQL when the ``search_path`` differs from the one it was planned
        under, so it never reads or writes another commune's tables; each is keyed by the path
        it runs under (``schema_keyed``), so that does not happen at every change of commune.
        The first failing
        statement fails the round trip; PostgreSQL skips the rest, the transaction is aborted.
        """
        begin = self._begin()
        pending = self._take_pending()
        prefix = self._prefix(begin, pending, self._writes())
        driver = self.connection
        allow_prepared(driver)
        wrapper = self._wrapper
        if pending is not None:
            search_path = pending[0]
        else:
            search_path = wrapper.search_path_set_schemas if wrapper is not None else None
        cursors = []
        with self._sending(pending), driver.pipeline():
            for sql, params in [*prefix, *statements]:
                cursor = psycopg.Cursor(driver)
                if params is None:
                    cursor.execute(sql)
                else:
                    cursor.execute(schema_keyed(sql, search_path), params, prepare=True)
                cursors.append(cursor)
        if wrapper is not None and wrapper.queries_logged:
            # One entry for the round trip, as for every query string (DEBUG,
            # CaptureQueriesContext), with the values written in.
            sent = [*prefix, *statements]
            wrapper.queries_log.append(
                {"sql": ";\n".join(self._shown(s, p) for s, p in sent), "time": "0.000"}
            )
        rows = [c.fetchall() if c.description is not None else None for c in cursors]
        for cursor in cursors:
            cursor.close()
        return rows[len(prefix) :]

    def _shown(self, sql: str, params: Any) -> str:
        return sql if params is None else self.mogrify(sql, params)

    def executemany(self, query, params_seq, **kwargs):
        self._flush()
        return super().executemany(query, params_seq, **kwargs)

    def copy(self, statement, *args, **kwargs):
        self._flush()
        return super().copy(statement, *args, **kwargs)

    def stream(self, query, params=None, **kwargs):
        self._flush()
        return super().stream(query, params, **kwargs)
