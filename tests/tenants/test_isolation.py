"""Nothing of one commune ever reaches another: users, sessions, cache, API."""

import pytest
from django.core.cache import cache

from accounts.models import AuthToken, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Sicheres-Passwort-2026"


def test_users_live_in_their_commune(kriens, emmen, in_commune):
    """A user created in Kriens does not exist in Emmen or in public."""
    with in_commune(kriens):
        UserFactory(email="anna@example.ch")
        assert User.objects.filter(email="anna@example.ch").exists()
    with in_commune(emmen):
        assert not User.objects.filter(email="anna@example.ch").exists()
    assert not User.objects.filter(email="anna@example.ch").exists()


def test_a_kriens_resident_cannot_log_in_on_emmen(kriens, emmen, in_commune, commune_client):
    """The same credentials work on the own host only."""
    with in_commune(kriens):
        UserFactory(email="anna@example.ch")
    ok = commune_client(kriens).post(
        "/login/", {"username": "anna@example.ch", "password": PASSWORD}
    )
    assert ok.status_code == 302
    refused = commune_client(emmen).post(
        "/login/", {"username": "anna@example.ch", "password": PASSWORD}
    )
    assert refused.status_code == 200
    assert "E-Mail-Adresse oder Passwort ist falsch" in refused.content.decode()


def test_a_session_cookie_of_kriens_is_worthless_on_emmen(
    kriens, emmen, in_commune, commune_client
):
    """A Kriens session key presented to Emmen's host is an anonymous visitor there."""
    with in_commune(kriens):
        UserFactory(email="anna@example.ch")
    kriens_client = commune_client(kriens)
    kriens_client.post("/login/", {"username": "anna@example.ch", "password": PASSWORD})
    session_key = kriens_client.cookies["sessionid"].value
    assert "angemeldet als" in kriens_client.get("/").content.decode()

    emmen_client = commune_client(emmen)
    emmen_client.cookies["sessionid"] = session_key
    page = emmen_client.get("/").content.decode()
    assert "angemeldet als" not in page
    assert "Anmelden" in page


def test_cached_values_stay_in_their_commune(kriens, emmen, in_commune):
    """The default cache keys carry the commune: the same key is a different value elsewhere."""
    with in_commune(kriens):
        cache.set("inbox-count", 7)
    with in_commune(emmen):
        assert cache.get("inbox-count") is None
        cache.set("inbox-count", 3)
    with in_commune(kriens):
        assert cache.get("inbox-count") == 7
    assert cache.get("inbox-count") is None


def test_an_api_token_of_kriens_is_refused_on_emmen(kriens, emmen, in_commune, commune_client):
    """A token issued on Kriens' host authenticates there and nowhere else."""
    with in_commune(kriens):
        UserFactory(email="anna@example.ch")
    response = commune_client(kriens).post(
        "/api/auth/token/",
        {"email": "anna@example.ch", "password": PASSWORD},
        content_type="application/json",
    )
    token = response.json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    assert commune_client(kriens).get("/api/me/", **auth).json()["email"] == "anna@example.ch"
    assert commune_client(emmen).get("/api/me/", **auth).status_code == 401
    with in_commune(emmen):
        assert not AuthToken.objects.filter(prefix=token[:8]).exists()


def test_wrong_password_gets_a_german_error_from_the_api(kriens, in_commune, commune_client):
    """Bad credentials: 400 with a German message and no token created."""
    with in_commune(kriens):
        UserFactory(email="anna@example.ch")
    response = commune_client(kriens).post(
        "/api/auth/token/",
        {"email": "anna@example.ch", "password": "falsch"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "E-Mail-Adresse oder Passwort ist falsch."
    with in_commune(kriens):
        assert not AuthToken.objects.exists()
