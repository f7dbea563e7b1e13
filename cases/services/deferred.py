"""Writes of the process machine's transactions, sent together with the next statement.

Inside ``writes_deferred()`` (and a transaction), the machine hands the rows it changes to the
connection instead of writing each at once (``tenants.db_backend``): a step's and the case's
``UPDATE``, the case index entry, the audit events and the usage counts then reach PostgreSQL
in front of the next statement or with the ``COMMIT``, in one query string. Every statement
still sees every write made before it; a failing write fails the transaction as before.

A row written twice in one transaction (the case: running, then completed) is written once,
with the union of the fields, as the object stands when the writes are sent: that is the same
row ``Model.save()`` would have left. Outside ``writes_deferred()`` every function here writes
at once, exactly as the code it replaces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model, Q
from django.db.models.sql import UpdateQuery

from .batch import insert_sql

Statement = tuple[str, Sequence[Any] | None]


@contextmanager
def writes_deferred() -> Iterator[None]:
    """Defer the writes of this module's functions inside the block (see the module docstring)."""
    before = connection.defer_writes
    connection.defer_writes = True
    try:
        yield
    finally:
        connection.defer_writes = before


def _run(statements: Iterable[Statement]) -> None:
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def write_later(key: tuple, build: Callable[[], list[Statement]]) -> None:
    """Defer the statements ``build()`` returns under ``key``, or run them now."""
    if not connection.write_later(key, build):
        _run(build())


_UPDATE_SQL: dict[tuple[str | None, type[Model], tuple[str, ...], tuple[bool, ...]], str] = {}


def update_statement(obj: Model, fields: Iterable[str] | None = None) -> Statement:
    """The ``UPDATE`` of ``obj``'s row that ``obj.save(update_fields=fields)`` sends (all its
    concrete fields but the primary key when ``fields`` is None); ``auto_now`` fields are set.

    The statement's text depends only on the model, the fields and which values are NULL:
    Django's compiler makes it once per process and schema, later rows only prepare their values
    as the compiler would (a value that is an expression goes through the compiler every
    time)."""
    opts = obj._meta
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: each value asks it
    if fields is None:
        chosen = [f for f in opts.concrete_fields if not f.primary_key]
    else:
        names = set(fields)
        chosen = [f for f in opts.concrete_fields if f.name in names or f.attname in names]
    values = [f.pre_save(obj, False) for f in chosen]
    key = None
    if not any(hasattr(v, "resolve_expression") for v in values):
        prepared = [
            f.get_db_prep_save(v, connection=db) for f, v in zip(chosen, values, strict=True)
        ]
        if not any(hasattr(p, "as_sql") for p in prepared):
            # The compiler writes a None as a literal NULL: part of the text.
            # The text names no schema; the key still holds it, as every cache of SQL here does.
            key = (
                getattr(db, "schema_name", None),
                type(obj),
                tuple(f.attname for f in chosen),
                tuple(p is None for p in prepared),
            )
            sql = _UPDATE_SQL.get(key)
            if sql is not None:
                params = [p for p in prepared if p is not None]
                params.append(opts.pk.get_db_prep_value(obj.pk, connection=db))
                return sql, params
    query = UpdateQuery(type(obj))
    query.add_update_fields([(f, None, v) for f, v in zip(chosen, values, strict=True)])
    query.add_q(Q(pk=obj.pk))
    sql, params = query.get_compiler(connection=db).as_sql()
    if key is not None:
        _UPDATE_SQL[key] = sql
    return sql, list(params)


def row_save(obj: Model, fields: Iterable[str] | None = None) -> None:
    """``obj.save(update_fields=fields)`` of an existing row (``fields`` None: every field),
    deferred inside ``writes_deferred()``: a second call for the same row merges the fields."""
    key = ("row", obj._meta.db_table, obj.pk)
    wanted: set[str] | None = None if fields is None else set(fields)
    earlier = connection.deferred_state(key)
    if earlier is not None:
        wanted = None if earlier["fields"] is None or wanted is None else earlier["fields"] | wanted
    state = {"fields": wanted}
    if connection.write_later(key, lambda: [update_statement(obj, state["fields"])], state):
        return
    obj.save(update_fields=fields)


def insert_statement(objs: Sequence[Model], **on_conflict: Any) -> Statement:
    """One ``INSERT`` of ``objs`` (one model, primary keys given or generated by the database,
    not returned), as ``batch.insert_sql`` writes it; ``on_conflict`` as
    ``QuerySet.bulk_create`` takes it (``update_conflicts``, ``unique_fields``,
    ``update_fields``)."""
    model = type(objs[0])
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not (f.primary_key and objs[0].pk is None)]
    upsert = None
    if on_conflict.get("update_conflicts"):
        upsert = (on_conflict["unique_fields"], on_conflict["update_fields"])
    sql, params = insert_sql(model, fields, objs, [], update_conflicts=upsert)
    return sql, list(params)
