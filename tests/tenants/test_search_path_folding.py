"""The database backend sends a commune's ``SET search_path`` with the next statement, in one
round trip, and never loses track of the schema the session really has."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import User

pytestmark = pytest.mark.django_db


def _session_search_path() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        return cursor.fetchone()[0].split(",")[0].strip()


def _count_users_with(email: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        count = User.objects.filter(email=email).count()
    return count, [q["sql"] for q in captured.captured_queries]


def test_switching_commune_costs_no_extra_statement(kriens, emmen, in_commune):
    """Alternating Kriens and Emmen: one statement per query, carrying the SET, in the right schema."""
    with in_commune(kriens):
        User.objects.create(email="nur-kriens@example.ch", role="resident")
    for commune, expected in [(emmen, 0), (kriens, 1), (emmen, 0), (kriens, 1)]:
        connection.set_tenant(commune)
        count, statements = _count_users_with("nur-kriens@example.ch")
        assert count == expected
        assert len(statements) == 1
        assert statements[0].startswith(f'SET search_path = "{commune.schema_name}","public"; ')
        assert _session_search_path() == commune.schema_name


def test_same_commune_again_sends_no_set(kriens):
    """Once the session holds the commune, later statements go out without any SET."""
    connection.set_tenant(kriens)
    _count_users_with("x@example.ch")
    _count, statements = _count_users_with("x@example.ch")
    assert len(statements) == 1
    assert "search_path" not in statements[0]


def test_a_failed_statement_does_not_leave_a_wrong_schema_behind(kriens, emmen, in_commune):
    """The SET travels with a statement that fails: afterwards the commune's schema still holds."""
    with in_commune(emmen):
        User.objects.create(email="nur-emmen@example.ch", role="resident")
    connection.set_tenant(kriens)
    _count_users_with("nur-emmen@example.ch")
    with pytest.raises(DatabaseError), transaction.atomic():
        connection.set_tenant(emmen)
        with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")
    assert captured.captured_queries[0]["sql"].startswith('SET search_path = "gemeinde_')
    # The rollback undid that SET; the backend set it again after the rollback.
    count, _statements = _count_users_with("nur-emmen@example.ch")
    assert count == 1
    assert _session_search_path() == emmen.schema_name


def test_statements_that_cannot_share_a_query_get_the_set_first(emmen):
    """SHOW (like VACUUM or CREATE INDEX CONCURRENTLY) is sent after a separate SET."""
    connection.set_tenant(emmen)
    with CaptureQueriesContext(connection) as captured:
        assert _session_search_path() == emmen.schema_name
    assert [q["sql"] for q in captured.captured_queries] == ["SHOW search_path"]


def test_a_connection_that_just_answered_is_not_pinged_again(kriens, monkeypatch):
    """CONN_HEALTH_CHECKS: the ping (``is_usable``: ``SELECT 1`` on the driver's connection)
    before a request's or job's first statement is left out when the connection answered less
    than a second ago, and sent when it did not."""
    assert connection.health_check_enabled
    pings = []
    is_usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: pings.append(1) or is_usable())
    _count_users_with("nobody@example.ch")  # the connection answers now
    connection.health_check_done = False
    _count_users_with("nobody@example.ch")
    assert pings == []
    connection.answered_at = float("-inf")  # long ago
    connection.health_check_done = False
    count, _statements = _count_users_with("nobody@example.ch")
    assert pings == [1] and count == 0


def test_a_statement_with_named_parameters_carries_the_set_too(kriens, emmen, in_commune):
    """``%(name)s`` parameters (a mapping, as the retention job sends): the SET still travels
    with the statement, and the statement runs in the right schema."""
    with in_commune(kriens):
        User.objects.create(email="benannt@example.ch", role="resident")
    for commune, expected in [(emmen, 0), (kriens, 1)]:
        connection.set_tenant(commune)
        with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM accounts_user WHERE email = %(email)s",
                {"email": "benannt@example.ch"},
            )
            assert cursor.fetchone()[0] == expected
        assert len(captured.captured_queries) == 1
