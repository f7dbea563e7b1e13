"""Querysets compiled once per thread and run together: several SELECTs in one round trip.

The process machine locks a step's case and then the case's steps at the start of every
transaction (``steps.case_steps_lock``). Compiling both querysets again for every step cost
more than running them, and they went to PostgreSQL one after the other. A ``PreparedQuery``
keeps Django's compiled SQL (the compiler made it, per thread) with placeholders for the values
that change; ``run_together`` sends several in one query string (in order: the case's lock is
taken before the steps' as before) and builds the objects from each result as the queryset
would (converters such as decryption, ``select_related`` objects included).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

# Stands for the value of a parameter when the queryset is compiled.
_MARK = -424_242_424


class PreparedQuery:
    """``make(value)`` is a queryset with one changing value (an int, given as ``_MARK`` at
    compile time); ``statement(value)`` the compiled SQL and parameters for ``value``."""

    def __init__(self, make: Callable[[int], QuerySet]) -> None:
        self.make = make
        self._local = threading.local()

    def _compiled(self) -> tuple[Any, str, list[Any]]:
        # Per thread: a compiler belongs to its thread's connection.
        kept = getattr(self._local, "kept", None)
        if kept is None:
            queryset = self.make(_MARK)
            compiler = queryset.query.get_compiler(using=queryset.db)
            sql, params = compiler.as_sql()
            kept = self._local.kept = (compiler, sql, list(params))
        return kept

    def statement(self, value: int) -> tuple[str, list[Any]]:
        _compiler, sql, params = self._compiled()
        return sql, [value if p == _MARK else p for p in params]

    def objects(self, rows: Sequence[tuple]) -> list[Model]:
        """The objects of ``rows`` (a result of ``statement``), built like ``ModelIterable``."""
        compiler, _sql, _params = self._compiled()
        select, klass_info = compiler.select, compiler.klass_info
        model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        names = [f[0].target.attname for f in select[start:end]]
        populators = get_related_populators(klass_info, select, connection.alias)
        out = []
        for row in compiler.results_iter(results=[list(rows)]):
            obj = model.from_db(connection.alias, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            out.append(obj)
        return out


def run_together(*queries: tuple[PreparedQuery, int]) -> list[list[Model]]:
    """Run each ``(query, value)`` in one query string, in order; their objects, per query."""
    statements = [query.statement(value) for query, value in queries]
    sql = "; ".join(s for s, _params in statements)
    params = [p for _sql, ps in statements for p in ps]
    results = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for index, (query, _value) in enumerate(queries):
            if index:
                cursor.nextset()
            results.append(query.objects(cursor.fetchall()))
    return results
