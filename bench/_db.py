"""A dedicated, throw-away database for a benchmark: <DATABASE_URL's name>_<suffix>."""

from __future__ import annotations

import contextlib
import os
import statistics
from urllib.parse import urlparse, urlunparse

import psycopg
from psycopg import sql

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/einwohnerportal"


def _admin(url: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/postgres"))


def _terminate_and_drop(conn, name: str) -> None:
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        [name],
    )
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@contextlib.contextmanager
def bench_database(suffix: str, *, keep: bool = False):
    """Create a fresh database, point DATABASE_URL at it, drop it afterwards."""
    base = os.environ.get("DATABASE_URL") or DEFAULT_URL
    name = f"{urlparse(base).path.lstrip('/')}_{suffix}"
    url = urlunparse(urlparse(base)._replace(path=f"/{name}"))
    with psycopg.connect(_admin(base), autocommit=True) as conn:
        _terminate_and_drop(conn, name)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = url
    try:
        yield name
    finally:
        os.environ["DATABASE_URL"] = base
        if not keep:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: S110 - Django may not be set up yet
                pass
            with psycopg.connect(_admin(base), autocommit=True) as conn:
                _terminate_and_drop(conn, name)


def prepare_environment() -> None:
    """Settings for a benchmark process: local settings, stub broker, in-process cache."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    # No broker or Redis round trips in the measurement; nothing is enqueued anyway.
    os.environ["BROKER_URL"] = "stub://"
    os.environ["REDIS_URL"] = ""
    os.environ["LOG_LEVEL"] = "WARNING"


def median_ms(values_ns: list[int]) -> float:
    return statistics.median(values_ns) / 1e6
