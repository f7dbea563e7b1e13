"""The public report's figures and files, computed at most once per
``PROGRAMME_REPORT_CACHE_SECONDS`` for each year, kind and language.

The report pages, their downloads and the report API are public and need no login. Over a
programme's worth of data (a million cases, the monthly offer snapshots) one report costs
0.3-0.6 s of CPU and a download up to a second (``bench.report``): computed on every request, a
handful of anonymous requests per second would keep a web server busy. Kept in the shared cache
``public`` (Redis in operation, so every web process profits), a report is recomputed at most
once per period; it shows when it was computed ("Stand …").

What is kept is the canton's report, the same for every visitor: no commune's or person's data,
nothing that depends on who asks. ``0`` seconds (the tests' setting) computes every time.

A booking in the ledger (``billing.services``) forgets every kept report once it commits
(``report_kept_forget_on_commit``): the cantonal office sees its booking in the report at
once. The usage counters, which change with every order, show within the period.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils.translation import get_language

T = TypeVar("T")

KEY_PREFIX = "billing:report"
# Part of every key: a new value forgets all reports kept so far (``report_kept_forget``).
GENERATION_KEY = f"{KEY_PREFIX}:generation"


def report_kept(kind: str, year: int | None, compute: Callable[[], T]) -> T:
    """``compute()``, kept for ``PROGRAMME_REPORT_CACHE_SECONDS`` under ``kind`` (e.g. ``page``,
    ``download-pdf``), ``year`` (None: the whole programme) and the active language."""
    seconds = settings.PROGRAMME_REPORT_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    cache = caches["public"]
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY)
    language = get_language() or settings.LANGUAGE_CODE
    key = f"{KEY_PREFIX}:{generation}:{kind}:{year or 'all'}:{language}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


def report_kept_forget() -> None:
    """Forget every kept report, in every process: the next request computes anew."""
    caches["public"].set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def report_kept_forget_on_commit() -> None:
    """``report_kept_forget`` once the current transaction commits (after a booking)."""
    transaction.on_commit(report_kept_forget)
