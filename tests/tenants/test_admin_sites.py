"""Two admin sites: the cantonal one on the public host, a commune one on each commune host."""

import re

import pytest

from tests.factories import UserFactory
from tests.identity import totp_code

pytestmark = pytest.mark.django_db
PASSWORD = "Sicheres-Passwort-2026"


@pytest.fixture
def canton_staff(db):
    return UserFactory(email="staff@lu.ch", canton=True)


@pytest.fixture
def kriens_admin(kriens, in_commune):
    with in_commune(kriens):
        return UserFactory(email="admin@kriens.ch", admin=True)


def test_cantonal_admin_manages_communes(canton_staff, public_client):
    """Cantonal staff see communes and domains on the public host's admin."""
    public_client.force_login(canton_staff)
    index = public_client.get("/admin/").content.decode()
    assert "Gemeinden" in index
    communes = public_client.get("/admin/tenants/commune/?q=Kriens")
    assert communes.status_code == 200
    assert "Kriens" in communes.content.decode()


def _admin_login(client, commune, user, in_commune) -> None:
    """Password on the admin's login page, then the second factor's code."""
    assert (
        client.post("/admin/login/", {"username": user.email, "password": PASSWORD}).status_code
        == 302
    )
    asked = client.get("/admin/")
    assert asked.status_code == 302 and asked["Location"].startswith("/zweiter-faktor/")
    with in_commune(commune):
        code = totp_code(user)
    assert client.post("/zweiter-faktor/", {"code": code, "next": "/admin/"}).status_code == 302


def test_commune_admin_sees_only_commune_tables(kriens, kriens_admin, commune_client, in_commune):
    """The commune admin lists the commune's users but no public table, except its own
    configuration (tests/tenants/test_commune_config_admin.py)."""
    client = commune_client(kriens)
    _admin_login(client, kriens, kriens_admin, in_commune)
    index = client.get("/admin/").content.decode()
    assert "Benutzer" in index
    public = re.findall(r'href="/admin/tenants/([a-z]+)/', index)
    assert public == ["communeconfig"] * len(public)
    for url in (
        "/admin/tenants/commune/",
        "/admin/tenants/domain/",
        "/admin/tenants/populationfigure/",
    ):
        assert client.get(url).status_code == 404


def test_commune_admin_user_list_shows_only_own_users(
    kriens, emmen, kriens_admin, in_commune, commune_client
):
    """Users of another commune never appear in a commune's admin."""
    with in_commune(emmen):
        UserFactory(email="someone@emmen.ch")
    client = commune_client(kriens)
    _admin_login(client, kriens, kriens_admin, in_commune)
    users = client.get("/admin/accounts/user/").content.decode()
    assert "admin@kriens.ch" in users
    assert "someone@emmen.ch" not in users


def test_commune_admin_cannot_use_the_cantonal_admin(kriens_admin, public_client):
    """A commune administrator's credentials do not exist on the public host."""
    response = public_client.post(
        "/admin/login/", {"username": "admin@kriens.ch", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert public_client.get("/admin/").status_code == 302


def test_cantonal_staff_cannot_use_a_commune_admin(canton_staff, kriens, commune_client):
    """Cantonal staff have no account in a commune's schema."""
    client = commune_client(kriens)
    response = client.post("/admin/login/", {"username": "staff@lu.ch", "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_residents_are_not_admitted_to_the_commune_admin(kriens, in_commune, commune_client):
    """A resident who logs in is not staff: the admin stays closed."""
    with in_commune(kriens):
        resident = UserFactory(email="anna@example.ch")
    client = commune_client(kriens, user=resident)
    assert "angemeldet als" in client.get("/").content.decode()
    assert client.get("/admin/").status_code == 302
