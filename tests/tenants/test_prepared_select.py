"""``tenants.prepared.PreparedSelect``: compiled once, the same objects as the queryset, fresh
values (revocation and expiry of API tokens apply at once), and per commune schema."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts import logins
from accounts.models import AuthToken
from tenants.prepared import PreparedSelect
from tests.factories import UserFactory
from tests.identity import api_token

pytestmark = pytest.mark.django_db


def test_same_objects_as_the_queryset_with_related_rows(kriens, in_commune):
    with in_commune(kriens):
        key = api_token(UserFactory(email="prepared@example.ch"))
        token = logins.token_authenticate(key)
        expected = AuthToken.objects.select_related("user", "identity_login").get(pk=token.pk)
        assert token is not None and token.pk == expected.pk
        assert token.user.email == "prepared@example.ch"
        assert AuthToken.user.is_cached(token) and token.user.pk == expected.user.pk
        # last_used_at: token_authenticate stamps the row after reading it.
        names = [f.attname for f in AuthToken._meta.concrete_fields if f.name != "last_used_at"]
        assert [getattr(token, n) for n in names] == [getattr(expected, n) for n in names]
        assert not token._state.adding and token._state.db == "default"


def test_revocation_and_expiry_apply_to_the_next_request(kriens, in_commune, commune_client):
    with in_commune(kriens):
        user = UserFactory()
        revoked, expired = api_token(user), api_token(user)
    api = [commune_client(kriens, HTTP_AUTHORIZATION=f"Token {k}") for k in (revoked, expired)]
    assert [c.get("/api/me/").status_code for c in api] == [200, 200]
    with in_commune(kriens):
        AuthToken.objects.filter(prefix=revoked[:8]).update(revoked_at=timezone.now())
        AuthToken.objects.filter(prefix=expired[:8]).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    assert [c.get("/api/me/").status_code for c in api] == [401, 401]


def test_each_commune_reads_its_own_rows(kriens, emmen, in_commune, commune_client):
    """The same key in two communes: each schema answers from its own table."""
    with in_commune(kriens):
        key = api_token(UserFactory(email="kriens@example.ch"))
    assert (
        commune_client(kriens, HTTP_AUTHORIZATION=f"Token {key}").get("/api/me/").status_code == 200
    )
    assert (
        commune_client(emmen, HTTP_AUTHORIZATION=f"Token {key}").get("/api/me/").status_code == 401
    )
    with in_commune(emmen):
        assert logins.token_authenticate(key) is None
    with in_commune(kriens):
        assert logins.token_authenticate(key).user.email == "kriens@example.ch"


def test_a_sample_value_changed_by_its_lookup_is_refused(kriens, in_commune):
    """Values that a lookup rewrites (here ``icontains`` → ``%…%``) cannot be substituted."""
    prepared = PreparedSelect(lambda email: AuthToken.objects.filter(label__icontains=email), "x")
    with in_commune(kriens), pytest.raises(ValueError, match="genau einmal"):
        prepared.first("y")


def test_postgresql_keeps_the_statement_prepared(kriens, emmen, in_commune):
    """From the second run in a commune the statement runs prepared; in another commune the
    same prepared statement reads that commune's table (PostgreSQL re-plans it there)."""
    from django.db import connection

    with in_commune(kriens):
        key = api_token(UserFactory(email="prepared-kriens@example.ch"))
        assert logins.token_authenticate(key) is not None
        assert logins.token_authenticate(key).user.email == "prepared-kriens@example.ch"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ['%"accounts_authtoken"."key_hash"%'],
            )
            assert cursor.fetchone()[0] == 1
    with in_commune(emmen):
        assert logins.token_authenticate(key) is None
        assert logins.token_authenticate(key) is None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT split_part(statement, ' */ ', 1) FROM pg_prepared_statements "
                "WHERE statement LIKE %s ORDER BY 1",
                ['%"accounts_authtoken"."key_hash"%'],
            )
            tags = [row[0] for row in cursor.fetchall()]
    # One statement per commune, each planned under its own search path.
    assert tags == sorted([f"/* {c.schema_name},public" for c in (kriens, emmen)])


def test_after_a_change_of_commune_the_first_run_is_prepared_too(kriens, emmen, in_commune):
    """The run that carries the new search path (and a transaction's BEGIN) is pipelined and
    prepared, not bound on the client; each commune reads its own rows."""
    from django.db import connection, transaction

    with in_commune(kriens):
        key = api_token(UserFactory(email="first-run@example.ch"))
    for commune, found in ((emmen, False), (kriens, True)):
        with in_commune(commune), transaction.atomic():
            assert (logins.token_authenticate(key) is not None) is found
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT generic_plans + custom_plans FROM pg_prepared_statements "
                    "WHERE statement LIKE %s",
                    [f"/* {commune.schema_name},public */ %accounts_authtoken%key_hash%"],
                )
                assert cursor.fetchall() == [(1,)]
