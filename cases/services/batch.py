"""Several writes of one transaction in one round trip to PostgreSQL.

The statements travel together in libpq's pipeline mode (``tenants.db_backend``), each bound on
the server and kept prepared on the connection, and PostgreSQL answers each in turn. Inserts
are compiled by Django's own insert compiler (field defaults, ``auto_now_add``, encryption of
encrypted fields, JSON adaptation), so the rows are exactly those ``Model.save()`` would
write; only the round trips are saved. A failing statement fails the whole query and, with it, the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.postgresql.compiler import SQLInsertCompiler as PostgresInsertCompiler
from django.db.models import AutoField, Model
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.db.models.sql.compiler import SQLInsertCompiler

# The SQL text of single-row INSERTs by shape: model, columns, RETURNING, and which values are
# SQL expressions (with their SQL). The text names no schema; the key still holds the schema,
# as every cache here does.
_SINGLE_ROW_SQL: dict[tuple, str] = {}
# The SQL text of multi-row INSERTs that Django's PostgreSQL compiler writes with UNNEST (one
# array parameter per column, whatever the number of rows), by model, columns and RETURNING.
_UNNEST_SQL: dict[tuple, str] = {}
# The same without RETURNING as a plain VALUES list (by shape and number of rows): a deferred
# write folded in front of a statement is bound on the client (``tenants.db_backend``), where
# psycopg writes an array literal in Python, element by element, but a single value with its
# C dumper.
_VALUES_SQL: dict[tuple, str] = {}
# Both are keyed per schema and (VALUES) per number of rows: emptied when they reach this many
# texts, so that a process serving every commune keeps a bounded set.
_MULTI_ROW_KEPT = 4096


def _keep(cache: dict[tuple, str], key: tuple, sql: str) -> None:
    if len(cache) >= _MULTI_ROW_KEPT:
        cache.clear()
    cache[key] = sql


def insert_sql(
    model: type[Model],
    fields: list[Any],
    objs: Sequence[Model],
    returned: list[Any],
    *,
    update_conflicts: tuple[list[str], list[str]] | None = None,
) -> tuple[str, Sequence[Any]]:
    """The INSERT of ``objs`` as Django's insert compiler writes it. One row: its values are
    prepared here as the compiler does (``pre_save``, ``get_db_prep_save``, expressions
    resolved and compiled) and the SQL text, the same for every row of the same shape, comes
    from the first compile of that shape. Several rows of plain values (no upsert): prepared
    alike; without RETURNING as Django's VALUES list (text per number of rows), with it in the
    compiler's UNNEST form (one list of values per column, text per columns). Anything else:
    the compiler itself.
    ``update_conflicts``: (unique fields, fields to update) of an upsert, as ``bulk_create``
    takes them."""
    conflict: dict[str, Any] = {}
    if update_conflicts is not None:
        unique, update = update_conflicts
        conflict = {
            "on_conflict": OnConflict.UPDATE,
            "unique_fields": [model._meta.get_field(n) for n in unique],
            "update_fields": [model._meta.get_field(n) for n in update],
        }
    # The connection itself, not the proxy: every value asks it for its operations.
    db = connections[DEFAULT_DB_ALIAS]
    query = InsertQuery(model, **conflict)
    query.insert_values(fields, objs)
    compiler = query.get_compiler(connection=db)
    compiler.returning_fields = returned or None
    if any(hasattr(f, "get_placeholder") for f in fields):
        [(sql, params)] = compiler.as_sql()
        return sql, params
    shape_key = (
        getattr(db, "schema_name", None),
        model,
        tuple(fields),
        tuple(returned),
        None if update_conflicts is None else tuple(map(tuple, update_conflicts)),
    )
    if len(objs) == 1:
        return _single_row(compiler, fields, objs[0], shape_key)
    rows = _plain_rows(compiler, fields, objs) if update_conflicts is None else None
    if rows is None:
        [(sql, params)] = compiler.as_sql()
        return sql, params
    if not returned:
        return _values_rows(compiler, rows, (*shape_key, len(rows)))
    sql = _UNNEST_SQL.get(shape_key)
    if sql is not None:
        # What the compiler's UNNEST form binds: one list of values per column.
        return sql, [list(column) for column in zip(*rows, strict=True)]
    [(sql, params)] = compiler.as_sql()
    if "UNNEST(" in sql:
        _keep(_UNNEST_SQL, shape_key, sql)
    return sql, params


def _single_row(
    compiler: Any, fields: list[Any], obj: Model, shape_key: tuple
) -> tuple[str, Sequence[Any]]:
    """One row's INSERT: its values prepared as the compiler does, the text by shape (which
    values are SQL expressions, and their SQL)."""
    params: list[Any] = []
    shape: list[str | None] = []
    for field in fields:
        value = compiler.prepare_value(field, field.pre_save(obj, add=True))
        if hasattr(value, "as_sql"):
            expression_sql, expression_params = compiler.compile(value)
            shape.append(expression_sql)
            params.extend(expression_params)
        else:
            shape.append(None)
            params.append(value)
    key = (*shape_key, tuple(shape))
    sql = _SINGLE_ROW_SQL.get(key)
    if sql is not None:
        return sql, params
    [(sql, params)] = compiler.as_sql()
    _SINGLE_ROW_SQL[key] = sql
    return sql, params


class _ValuesInsertCompiler(PostgresInsertCompiler):
    """Django's PostgreSQL insert compiler writing rows as a VALUES list (its generic form)."""

    def assemble_as_sql(self, fields: Any, value_rows: Any) -> Any:
        return SQLInsertCompiler.assemble_as_sql(self, fields, value_rows)


def _values_rows(compiler: Any, rows: list[list], key: tuple) -> tuple[str, Sequence[Any]]:
    """A multi-row INSERT without RETURNING as a VALUES list: Django's own text (made once per
    shape and number of rows), the prepared values row after row."""
    sql = _VALUES_SQL.get(key)
    if sql is not None:
        return sql, [value for row in rows for value in row]
    if type(compiler) is not PostgresInsertCompiler:  # another backend's compiler: its own way
        [(sql, params)] = compiler.as_sql()
        return sql, params
    compiler.__class__ = _ValuesInsertCompiler
    [(sql, params)] = compiler.as_sql()
    _keep(_VALUES_SQL, key, sql)
    return sql, params


def _plain_rows(compiler: Any, fields: list[Any], objs: Sequence[Model]) -> list[list] | None:
    """The rows' values prepared as the compiler does, when all are plain values in columns of
    the connection's own types (what its UNNEST form takes); None otherwise."""
    types = compiler.connection.data_types
    if any(
        (f.target_field if f.is_relation else f).get_internal_type() not in types for f in fields
    ):
        return None
    rows = [[compiler.prepare_value(f, f.pre_save(obj, add=True)) for f in fields] for obj in objs]
    if any(hasattr(value, "as_sql") for row in rows for value in row):
        return None
    return rows


class WriteBatch:
    """Statements collected in order and sent together by ``run()`` (inside a transaction)."""

    def __init__(self) -> None:
        self._statements: list[tuple[str, Sequence[Any], Callable[[list[tuple]], None] | None]] = []

    def __len__(self) -> int:
        return len(self._statements)

    def add(
        self,
        sql: str,
        params: Sequence[Any],
        on_rows: Callable[[list[tuple]], None] | None = None,
    ) -> None:
        """Add one statement with positional (``%s``) parameters; ``on_rows`` receives the rows
        it returns once the batch has run."""
        self._statements.append((sql, tuple(params), on_rows))

    def insert(self, objs: Sequence[Model], *, returning: Sequence[str] = ()) -> None:
        """Add one INSERT of ``objs`` (all of one model); generated primary keys, and the
        fields named in ``returning`` (values given as SQL expressions), are set on the objects
        when the batch has run, and they then count as saved."""
        model = type(objs[0])
        opts = model._meta
        generated_pk = isinstance(opts.pk, AutoField) and objs[0].pk is None
        fields = [f for f in opts.concrete_fields if not (generated_pk and f is opts.pk)]
        returned = ([opts.pk] if generated_pk else []) + [opts.get_field(n) for n in returning]
        sql, params = insert_sql(model, fields, objs, returned)

        def saved(rows: list[tuple]) -> None:
            for obj, row in zip(objs, rows or [()] * len(objs), strict=True):
                for field, value in zip(returned, row, strict=True):
                    setattr(obj, field.attname, value)
                obj._state.adding = False
                obj._state.db = connection.alias

        self.add(sql, params, saved)

    def run(self) -> None:
        """Send every statement in one round trip and hand each its rows."""
        if not self._statements:
            return
        statements, self._statements = self._statements, []
        # Pipelined and kept prepared (``tenants.db_backend``): each shape is planned once per
        # connection and bound on the server.
        results = connection.run_pipelined([(sql, params) for sql, params, _ in statements])
        for (_sql, _params, on_rows), rows in zip(statements, results, strict=True):
            if on_rows is not None:
                on_rows(rows or [])
