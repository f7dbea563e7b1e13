"""Hot ORM SELECTs compiled once and run with fresh values.

Building a queryset and compiling it to SQL costs Django ~0.2-0.4 ms of CPU per query on these
machines, on every request, although the SQL of a fixed lookup never changes: only its values
do. ``PreparedSelect`` compiles the queryset once (per thread and schema, see below) with sample
values, remembers where those values sit among the statement's parameters and then runs the
same SQL with the caller's values, turning the rows into model instances (``select_related``
and annotations included) exactly as the queryset would: same columns, same converters.

The SQL names no schema (the connection's ``search_path`` does), so it would be the same in
every commune; it is still kept per schema, so that nothing compiled in one commune is ever
used in another. The values must reach the SQL unchanged by their lookups (texts, numbers,
aware datetimes with ``exact``/``gt``/…): that is checked when the statement is compiled.

PostgreSQL keeps the statement prepared on the connection (server-side binding, psycopg's
prepared-statement cache), so it is planned once per connection and commune instead of on every
run (~0.15-0.25 ms of server time for these joins). A prepared statement is re-parsed by
PostgreSQL whenever the ``search_path`` differs from the one it was planned under, so it
cannot read another commune's tables; to spare that re-planning when consecutive requests or
jobs belong to different communes, each commune's statement is prepared under its own text
(``tenants.db_backend.cursor.schema_keyed``). After a change of commune (or with writes or the
transaction's BEGIN waiting) the run carries the connection's new ``SET search_path`` and the
rest in its round trip, pipelined (``tenants.db_backend``). psycopg drops its prepared
statements on a rollback and deallocates them on the server.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

import psycopg
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

from .db_backend.cursor import allow_prepared, schema_keyed


class _PreparingCursor(psycopg.Cursor):
    """A server-binding cursor whose statements PostgreSQL keeps prepared (per connection)."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        return super().execute(query, params, prepare=True)


def _execute_prepared(connection: Any, sql: str, params: list[Any]) -> list[tuple]:
    """Run ``sql`` as a prepared statement on ``connection`` (through Django's cursor wrapper:
    its execute wrappers and error translation apply as to any query)."""
    driver = connection.connection
    allow_prepared(driver)
    with connection.make_cursor(_PreparingCursor(driver)) as wrapped:
        wrapped.execute(schema_keyed(sql, connection.search_path_set_schemas), params)
        return wrapped.fetchall()


class _Compiled:
    __slots__ = (
        "compiler",
        "converters",
        "db",
        "init_list",
        "model",
        "params",
        "populators",
        "positions",
        "sql",
    )

    def __init__(self, queryset: QuerySet, samples: tuple[Any, ...]) -> None:
        self.db = queryset.db
        compiler = queryset.query.get_compiler(using=self.db)
        sql, params = compiler.as_sql()
        positions = []
        for sample in samples:
            found = [i for i, p in enumerate(params) if p is sample]
            if len(found) != 1:
                raise ValueError(
                    f"Der Beispielwert {sample!r} kommt {len(found)}-mal unverändert in den "
                    "Parametern vor (genau einmal nötig)."
                )
            positions.append(found[0])
        self.compiler = compiler
        self.params = list(params)
        self.positions = positions
        klass_info, select = compiler.klass_info, compiler.select
        self.model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.init_list = (start, end, [f[0].target.attname for f in select[start:end]])
        self.populators = get_related_populators(klass_info, select, self.db)
        # What results_iter works out on every call (~0.1 ms for a join of three models).
        fields = [column[0] for column in select[: compiler.col_count]]
        if compiler.has_composite_fields(fields):
            raise ValueError("Zusammengesetzte Felder werden hier nicht unterstützt.")
        self.converters = compiler.get_converters(fields)
        self.sql = sql

    def params_for(self, values: tuple[Any, ...]) -> list[Any]:
        params = list(self.params)
        for position, value in zip(self.positions, values, strict=True):
            params[position] = value
        return params

    def objects(self, rows: list[tuple]) -> list[Model]:
        """The rows as the queryset's objects (converters, ``select_related``, annotations)."""
        if not rows:
            return []
        start, end, init_list = self.init_list
        annotations = self.compiler.annotation_col_map
        objs = []
        converted = (
            self.compiler.apply_converters(rows, self.converters) if self.converters else rows
        )
        for row in converted:
            obj = self.model.from_db(self.db, init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, column in (annotations or {}).items():
                setattr(obj, name, row[column])
            objs.append(obj)
        return objs


class PreparedSelect:
    """``build(*values)`` returns the queryset; ``samples`` are values for the one compile
    (distinct objects, each used once by the queryset)."""

    def __init__(self, build: Callable[..., QuerySet], *samples: Any) -> None:
        self._build = build
        self._samples = samples
        self._local = threading.local()
        _ALL.add(self)

    def _compiled(self, using: str) -> _Compiled:
        cache = getattr(self._local, "compiled", None)
        if cache is None:
            cache = self._local.compiled = {}
        key = (using, getattr(connections[using], "schema_name", None))
        compiled = cache.get(key)
        if compiled is None:
            compiled = cache[key] = _Compiled(self._build(*self._samples), self._samples)
        return compiled

    def all(self, *values: Any, using: str = "default") -> list[Model]:
        """The queryset's objects for ``values`` (in the order of ``build``'s arguments)."""
        c = self._compiled(using)
        return c.objects(self._rows(c, values, using))

    def _rows(self, c: _Compiled, values: tuple[Any, ...], using: str) -> list[tuple]:
        params = c.params_for(values)
        connection = connections[using]
        if connection.queries_logged:
            # DEBUG, CaptureQueriesContext: the log shows the statement with its values (and
            # anything that travels in front of it), as for every other query.
            with connection.cursor() as cursor:
                cursor.execute(c.sql, params)
                return cursor.fetchall()
        with connection.cursor() as cursor:
            carried = (
                getattr(cursor.cursor, "_pending", None) is not None
                or connection.has_deferred_writes()
                or connection.begin_pending()
            )
        if carried:
            # The commune changed, or writes or the transaction's BEGIN wait: they travel in
            # front of the statement in its round trip, and it stays prepared
            # (tenants.db_backend).
            return connection.run_pipelined([(c.sql, params)])[0] or []
        return _execute_prepared(connection, c.sql, params)

    def statement(self, *values: Any, using: str = "default") -> tuple[str, list[Any]]:
        """The SQL and parameters for ``values``, to run with other statements in one round
        trip (``DatabaseWrapper.run_pipelined``); ``objects_of`` turns its rows into objects."""
        c = self._compiled(using)
        return c.sql, c.params_for(values)

    def objects_of(self, rows: list[tuple] | None, using: str = "default") -> list[Model]:
        """The objects of rows that ``statement`` read (as ``all`` returns them)."""
        return self._compiled(using).objects(rows or [])

    def first(self, *values: Any, using: str = "default") -> Model | None:
        """The first object for ``values``, or None (the queryset sets its own LIMIT)."""
        objs = self.all(*values, using=using)
        return objs[0] if objs else None

    def kept(self, *values: Any, fresh: bool = False, using: str = "default") -> Kept:
        """The objects for ``values`` as this thread last read them in this commune (read now
        the first time, or with ``fresh``), and the statement that reads them again.

        For data that rarely changes and that a writing transaction relies on: the caller runs
        ``Kept.statement`` inside that transaction (e.g. in its write batch) and hands its rows
        to ``Kept.check``, which raises ``KeptChanged`` (and forgets the kept rows) when they
        differ; the transaction is then rolled back and the caller reads again. So the writes
        rest on what the database holds at that moment, as with a read inside the transaction,
        without a round trip of its own. An empty result is not kept. Each call builds new
        objects (callers may change them); the rows are kept per thread, connection and
        commune schema, at most ``KEPT_MAX`` sets of values each (then they start over)."""
        c = self._compiled(using)
        kept = getattr(self._local, "kept", None)
        if kept is None:
            kept = self._local.kept = {}
        key = (using, getattr(connections[using], "schema_name", None), values)
        rows = None if fresh else kept.get(key)
        if rows is None:
            kept.pop(key, None)
            rows = self._rows(c, values, using)
            if rows:
                if len(kept) >= KEPT_MAX:
                    kept.clear()
                kept[key] = rows
        return Kept(c.objects(rows), (c.sql, c.params_for(values)), rows, kept, key)


KEPT_MAX = 1024
_ALL: weakref.WeakSet[PreparedSelect] = weakref.WeakSet()


def kept_forget_all() -> None:
    """This thread forgets every kept row (``PreparedSelect.kept``): the next reads go to the
    database (e.g. between tests, whose rows are rolled back)."""
    for select in list(_ALL):
        getattr(select._local, "kept", {}).clear()


class KeptChanged(Exception):
    """Rows a transaction relied on (``PreparedSelect.kept``) changed since they were read;
    ``kept`` is the ``Kept`` whose check failed."""

    @property
    def kept(self) -> Kept | None:
        return self.args[0] if self.args else None


class Kept:
    """Kept objects, the statement that reads them again and the check of its rows."""

    __slots__ = ("_cache", "_key", "objects", "rows", "statement")

    def __init__(
        self,
        objects: list[Model],
        statement: tuple[str, list[Any]],
        rows: list[tuple],
        cache: dict,
        key: tuple,
    ) -> None:
        self.objects, self.statement, self.rows = objects, statement, rows
        self._cache, self._key = cache, key

    def forget(self) -> None:
        """The next ``kept`` reads these values afresh."""
        self._cache.pop(self._key, None)

    def check(self, rows: list[tuple]) -> None:
        """Raise ``KeptChanged`` (and forget) unless ``rows``, read again by ``statement``
        inside the transaction, are the rows the objects were made from."""
        if rows != self.rows:
            self.forget()
            raise KeptChanged(self)


def run_together(
    *runs: tuple[PreparedSelect, tuple[Any, ...]], using: str = "default"
) -> list[list[Model]]:
    """Several prepared SELECTs in one round trip, pipelined and each kept prepared on the
    server (``DatabaseWrapper.run_pipelined``), run in the given order (so locks are taken in
    that order), with the connection's waiting BEGIN, pending search path and deferred writes
    in front (``tenants.db_backend``). Each ``(select, values)`` gives its objects, in order."""
    results = connections[using].run_pipelined(
        [select.statement(*values, using=using) for select, values in runs]
    )
    return [
        select.objects_of(rows, using=using)
        for (select, _values), rows in zip(runs, results, strict=True)
    ]
