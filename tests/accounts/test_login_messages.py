"""Login errors in the portal's own words, German and English, that never tell whether an
account exists."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Sicheres-Passwort-2026"
WRONG = "E-Mail-Adresse oder Passwort ist falsch. Bitte prüfen Sie beide Angaben"


@pytest.fixture
def accounts(kriens, in_commune):
    with in_commune(kriens):
        return {
            "anna": UserFactory(email="anna@example.ch"),
            "gone": UserFactory(
                email="gone@example.ch", is_active=False, last_login="2026-01-05T10:00Z"
            ),
        }


def _login(client, email, password=""):
    data = {"username": email, "password": password or "falsch"}
    return client.post("/login/", data).content.decode()


def test_unknown_address_and_wrong_password_get_the_same_message(kriens, commune_client, accounts):
    """Neither answer tells whether the address has an account."""
    client = commune_client(kriens)
    unknown = _login(client, "niemand@example.ch")
    wrong = _login(client, "anna@example.ch")
    assert WRONG in unknown and WRONG in wrong
    assert "Please enter a correct" not in unknown + wrong


def test_deactivated_account_is_named_only_with_the_right_password(
    kriens, commune_client, accounts
):
    """A deactivated account learns it is deactivated only from someone with its password."""
    client = commune_client(kriens)
    assert WRONG in _login(client, "gone@example.ch")
    right = _login(client, "gone@example.ch", PASSWORD)
    assert "Dieses Konto ist deaktiviert. Bitte wenden Sie sich an die Gemeindeverwaltung." in right
    assert "_auth_user_id" not in client.session


def test_login_messages_in_english(kriens, commune_client, accounts):
    """With English chosen the messages are English."""
    client = commune_client(kriens)
    client.cookies["django_language"] = "en"
    assert "E-mail address or password is wrong. Please check both" in _login(
        client, "x@example.ch"
    )
    assert "This account is deactivated." in _login(client, "gone@example.ch", PASSWORD)


def test_admin_login_has_the_portal_message(kriens, commune_client, accounts):
    """The commune's /admin/ login answers a resident (no staff access) like a wrong password."""
    client = commune_client(kriens)
    page = client.post(
        "/admin/login/?next=/admin/", {"username": "anna@example.ch", "password": PASSWORD}
    ).content.decode()
    assert "oder dieses Konto hat keinen Zugang zur Administration" in page
    assert "_auth_user_id" not in client.session


def test_lockout_page_names_the_real_cool_off(kriens, commune_client, accounts, settings):
    """The lockout page gives the configured wait (AXES_COOLOFF_HOURS 0.25 → 15 minutes)."""
    client = commune_client(kriens)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/login/", {"username": "anna@example.ch", "password": "falsch"})
    assert response.status_code == 429
    assert "Bitte versuchen Sie es in 15 Minuten erneut." in response.content.decode()
