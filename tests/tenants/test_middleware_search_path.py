"""The connection keeps a commune's schema between requests, yet every request runs in its own."""

import pytest
from django.db import connection
from django.test import Client

pytestmark = pytest.mark.django_db


def _search_path() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        return cursor.fetchone()[0]


def test_each_request_runs_in_the_schema_of_its_host(kriens, emmen, commune_client, public_client):
    """Kriens, Emmen, Kriens again, the public host: the session's search_path follows the host."""
    for client, schema in [
        (commune_client(kriens), kriens.schema_name),
        (commune_client(emmen), emmen.schema_name),
        (commune_client(kriens), kriens.schema_name),
        (public_client, "public"),
    ]:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert connection.schema_name == schema
        assert _search_path().split(",")[0].strip() == schema


def test_repeated_requests_to_one_commune_keep_its_schema(kriens, commune_client):
    """A second request to the same commune finds the connection still in that commune."""
    client = commune_client(kriens)
    assert client.get("/healthz").json()["commune"] == "kriens"
    assert client.get("/healthz").json()["commune"] == "kriens"
    assert _search_path().split(",")[0].strip() == kriens.schema_name


def test_unknown_host_after_a_commune_request_runs_in_public(kriens, commune_client):
    """An unknown host is a 404 in the public schema, even right after a commune's request."""
    commune_client(kriens).get("/healthz")
    response = Client(HTTP_HOST="nirgendwo.localhost").get("/healthz")
    assert response.status_code == 404
    assert connection.schema_name == "public"
    assert _search_path().split(",")[0].strip() == "public"
