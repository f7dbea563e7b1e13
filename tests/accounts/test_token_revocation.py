"""API tokens end with the web session and with the password: web logout, password change and
password reset revoke every token of the account (and only of that account)."""

import pytest

from accounts.models import AuthToken
from tests.factories import UserFactory
from tests.identity import api_token

pytestmark = pytest.mark.django_db

PASSWORD = "Sicheres-Passwort-2026"
NEW_PASSWORD = "Pilatusblick-neu-2027"


def _api(commune_client, commune, key):
    return commune_client(commune, HTTP_AUTHORIZATION=f"Token {key}").get("/api/me/")


@pytest.fixture
def anna_with_tokens(kriens, in_commune):
    with in_commune(kriens):
        anna = UserFactory(email="anna@example.ch")
        other = UserFactory()
        keys = [api_token(anna), api_token(anna)]
        foreign = api_token(other)
    return anna, keys, foreign


def test_web_logout_revokes_every_token_of_the_account(kriens, commune_client, anna_with_tokens):
    """Logging out of the browser session ends the account's API access; other accounts'
    tokens keep working."""
    anna, keys, foreign = anna_with_tokens
    client = commune_client(kriens)
    assert client.post("/login/", {"username": anna.email, "password": PASSWORD}).status_code == 302
    assert all(_api(commune_client, kriens, key).status_code == 200 for key in keys)

    client.post("/logout/")

    assert [_api(commune_client, kriens, key).status_code for key in keys] == [401, 401]
    assert _api(commune_client, kriens, foreign).status_code == 200


def test_password_change_revokes_every_token(kriens, commune_client, in_commune, anna_with_tokens):
    """/passwort-aendern/ sets the new password, keeps the session, revokes the tokens."""
    anna, keys, foreign = anna_with_tokens
    client = commune_client(kriens, user=anna)

    response = client.post(
        "/passwort-aendern/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == "/passwort-aendern/fertig/"
    assert "API-Tokens" in client.get("/passwort-aendern/fertig/").content.decode()
    assert client.get("/profil/").status_code == 200  # still logged in here
    assert [_api(commune_client, kriens, key).status_code for key in keys] == [401, 401]
    assert _api(commune_client, kriens, foreign).status_code == 200
    with in_commune(kriens):
        anna.refresh_from_db()
        assert anna.check_password(NEW_PASSWORD)


def test_a_wrong_old_password_changes_nothing(kriens, commune_client, in_commune, anna_with_tokens):
    """A wrong current password: German message, password and tokens unchanged."""
    anna, keys, _foreign = anna_with_tokens
    client = commune_client(kriens, user=anna)

    response = client.post(
        "/passwort-aendern/",
        {"old_password": "falsch", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "alte Passwort" in response.content.decode()
    with in_commune(kriens):
        anna.refresh_from_db()
        assert anna.check_password(PASSWORD)
        assert AuthToken.objects.filter(user=anna, revoked_at__isnull=True).count() == 2
    assert all(_api(commune_client, kriens, key).status_code == 200 for key in keys)


def test_a_new_password_set_anywhere_revokes_the_tokens(kriens, in_commune, anna_with_tokens):
    """Admin, command or code: any set_password() on a saved account revokes its tokens; a
    login (which may upgrade the stored hash) does not."""
    anna, _keys, _foreign = anna_with_tokens
    with in_commune(kriens):
        anna.check_password(PASSWORD)
        anna.save()
        assert AuthToken.objects.filter(user=anna, revoked_at__isnull=True).count() == 2
        anna.set_password(NEW_PASSWORD)
        anna.save()
        assert not AuthToken.objects.filter(user=anna, revoked_at__isnull=True).exists()


def test_the_password_change_page_needs_a_login(kriens, commune_client):
    response = commune_client(kriens).get("/passwort-aendern/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
