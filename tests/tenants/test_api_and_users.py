import pytest
from django.core.management import CommandError, call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_commune_list_contract(public_client):
    """GET /api/communes/ lists all 80 communes with the contract's fields."""
    data = public_client.get("/api/communes/").json()
    communes = data["results"] if isinstance(data, dict) else data
    assert len(communes) == 80
    kriens = next(c for c in communes if c["bfs_number"] == 1059)
    assert kriens["name"] == "Kriens"
    assert kriens["slug"] == "kriens"
    assert kriens["district"] == "Luzern-Land"
    assert kriens["status"] == "active"
    assert kriens["merged_into"] is None
    assert kriens["domain"] == "kriens.localhost"
    assert kriens["population"]["2020"] == 28_245


def test_merged_commune_in_the_api(public_client):
    """Merged communes are included with their absorbing commune's BFS number."""
    honau = public_client.get("/api/communes/1057/").json()
    assert honau["status"] == "merged"
    assert honau["merged_into"] == 1065
    assert public_client.get("/api/communes/4242/").status_code == 404


def test_openapi_schema_and_docs(public_client, kriens, commune_client):
    """Both hosts publish an OpenAPI 3 schema and browsable docs without external assets."""
    schema = public_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/communes/" in schema["paths"]
    docs = public_client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()
    commune_schema = (
        commune_client(kriens).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    )
    assert "/api/auth/token/" in commune_schema["paths"]


def test_create_commune_user_is_idempotent(kriens, in_commune):
    """Running the command twice leaves one user with the given role and password."""
    for _ in range(2):
        call_command(
            "create_commune_user",
            commune="kriens",
            role="clerk",
            email="Clerk@Kriens.ch",
            password="Sicheres-Passwort-2026",
            first_name="Claudia",
            last_name="Muster",
            verbosity=0,
        )
    with in_commune(kriens):
        user = User.objects.get()
        assert (user.email, user.role, user.first_name) == ("clerk@kriens.ch", "clerk", "Claudia")
        assert user.check_password("Sicheres-Passwort-2026")
        assert user.password.startswith("argon2")
    assert not User.objects.filter(email="clerk@kriens.ch").exists()


def test_create_commune_user_refuses_unknown_and_merged_communes():
    """Unknown slugs and merged communes are refused with a German message."""
    with pytest.raises(CommandError, match="Keine Gemeinde"):
        call_command(
            "create_commune_user", commune="atlantis", role="admin", email="a@b.ch", password="x"
        )
    with pytest.raises(CommandError, match="fusioniert"):
        call_command(
            "create_commune_user", commune="honau", role="admin", email="a@b.ch", password="x"
        )


def test_production_hashes_passwords_with_argon2():
    """The first password hasher of every real environment is Argon2."""
    from config.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_login_is_throttled_after_five_failures(kriens, in_commune, commune_client):
    """After five wrong passwords even the right one is refused for a while."""
    from tests.factories import UserFactory

    with in_commune(kriens):
        UserFactory(email="anna@example.ch")
    client = commune_client(kriens)
    for _ in range(5):
        client.post("/login/", {"username": "anna@example.ch", "password": "falsch"})
    response = client.post(
        "/login/", {"username": "anna@example.ch", "password": "Sicheres-Passwort-2026"}
    )
    assert response.status_code == 429
    assert "vorübergehend gesperrt" in response.content.decode()
    assert "_auth_user_id" not in client.session
