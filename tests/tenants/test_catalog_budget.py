"""The web connection serves at most DB_SCHEMAS_PER_CONNECTION schemas, then reconnects.

Requests here run outside a test transaction (a connection cannot be closed inside one), so
they only read: GET / of commune hosts.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client

from tenants.models import Commune


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _hosts(count: int) -> list[str]:
    connection.set_schema_to_public()
    communes = Commune.objects.order_by("bfs_number").prefetch_related("domains")[:count]
    return [commune.primary_domain for commune in communes]


def _pids_after_each(hosts: list[str]) -> list[int]:
    client = Client()
    pids = []
    for host in hosts:
        assert client.get("/", HTTP_HOST=host).status_code == 200
        pids.append(_backend_pid())
    return pids


@pytest.fixture
def unblocked(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        connection.close()
        yield
        connection.set_schema_to_public()


def test_the_connection_is_replaced_after_the_budget_of_schemas(unblocked, settings):
    """Budget 3: the backend serves communes A, B, C, then a new backend serves D, E."""
    settings.DB_SCHEMAS_PER_CONNECTION = 3
    a, b, c, d, e = _hosts(5)
    pids = _pids_after_each([a, b])
    pids += _pids_after_each([c])  # the third schema: closed at the end of this request
    pids += _pids_after_each([d, e])
    assert pids[0] == pids[1]
    assert pids[2] != pids[1]  # the pid query after C already runs on the new backend
    assert pids[3] == pids[4] == pids[2]


def test_requests_to_the_same_communes_keep_the_connection(unblocked, settings):
    """Budget 3, 20 requests alternating between two communes: one backend throughout."""
    settings.DB_SCHEMAS_PER_CONNECTION = 3
    a, b = _hosts(2)
    pids = _pids_after_each([a, b] * 10)
    assert len(set(pids)) == 1


@pytest.mark.django_db
def test_a_connection_inside_a_transaction_is_never_closed(settings):
    """Budget 1 inside a transaction: closing would cut it, so the backend stays."""
    settings.DB_SCHEMAS_PER_CONNECTION = 1
    a, b, c = _hosts(3)
    with transaction.atomic():
        pids = _pids_after_each([a, b, c])
    assert len(set(pids)) == 1
