from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import TestCase

from accounts.actors import MAIL_QUEUE
from accounts.models import User
from tests.factories import UserFactory
from tests.jobs import queued, run_queued

pytestmark = pytest.mark.django_db

PASSWORD = "Sicheres-Passwort-2026"
NEW_PASSWORD = "Pilatusblick-neu-2027"


@pytest.fixture
def anna(kriens, in_commune):
    with in_commune(kriens):
        return UserFactory(email="anna@example.ch")


def test_a_resident_of_kriens_cannot_log_in_on_emmens_host(kriens, emmen, commune_client, anna):
    """Residents live in their commune's schema: the same credentials fail on Emmen's host."""
    credentials = {"username": "anna@example.ch", "password": PASSWORD}

    on_emmen = commune_client(emmen).post("/login/", credentials)
    on_kriens = commune_client(kriens).post("/login/", credentials)

    assert on_emmen.status_code == 200
    assert "E-Mail-Adresse oder Passwort ist falsch." in on_emmen.content.decode()
    assert on_kriens.status_code == 302


def test_a_sixth_wrong_password_locks_out_even_the_right_one(kriens, commune_client, anna):
    """After five failures, the right password is refused too (django-axes)."""
    client = commune_client(kriens)
    statuses = [
        client.post("/login/", {"username": "anna@example.ch", "password": "falsch"}).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks the account out

    response = client.post("/login/", {"username": "anna@example.ch", "password": PASSWORD})

    assert response.status_code == 429
    assert "Zu viele" in response.content.decode() or "gesperrt" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session(kriens, commune_client, anna):
    """Logging out by POST ends the session."""
    client = commune_client(kriens)
    client.post("/login/", {"username": "anna@example.ch", "password": PASSWORD})
    assert client.get("/profil/").status_code == 200

    client.post("/logout/")

    assert client.get("/profil/").status_code == 302


def _request_reset(client, email="anna@example.ch") -> str:
    """Ask for a reset; the mail job runs as the worker would; the link it sent, or ""."""
    sent = len(mail.outbox)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/passwort-vergessen/", {"email": email})
    assert response.status_code == 302
    assert response["Location"] == "/passwort-vergessen/gesendet/"
    assert len(mail.outbox) == sent  # the request itself sends nothing
    run_queued(MAIL_QUEUE)
    if len(mail.outbox) == sent:
        return ""
    return next(w for w in mail.outbox[-1].body.split() if w.startswith("http"))


def test_password_reset_on_the_commune_host(kriens, commune_client, in_commune, anna):
    """The reset mail links to the commune's own host; the link sets a new password."""
    client = commune_client(kriens)
    link = urlsplit(_request_reset(client))
    assert link.netloc == "kriens.localhost"
    assert link.path.startswith("/passwort-zuruecksetzen/")

    form_page = client.get(link.path, follow=True)
    assert "Neues Passwort wählen" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    with in_commune(kriens):
        anna.refresh_from_db()
        assert anna.check_password(NEW_PASSWORD)


def test_unknown_address_gets_the_same_answer_and_no_mail(kriens, commune_client):
    """Asking for an unknown address reveals nothing and sends nothing."""
    assert _request_reset(commune_client(kriens), "niemand@example.ch") == ""
    assert mail.outbox == []


def test_a_reset_link_of_kriens_is_useless_on_emmens_host(
    kriens, emmen, commune_client, in_commune, anna
):
    """Emmen's user with the same id and address keeps its password: the token is Kriens'."""
    with in_commune(emmen):
        twin = UserFactory(pk=anna.pk, email="anna@example.ch")
    link = urlsplit(_request_reset(commune_client(kriens)))
    emmen_client = commune_client(emmen)

    page = emmen_client.get(link.path, follow=True)
    assert "Der Link ist nicht gültig" in page.content.decode()
    emmen_client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else link.path,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    with in_commune(emmen):
        twin.refresh_from_db()
        assert twin.check_password(PASSWORD)
        assert not twin.check_password(NEW_PASSWORD)
    with in_commune(kriens):
        assert User.objects.get(pk=anna.pk).check_password(PASSWORD)


def test_password_reset_mails_are_limited_per_address(kriens, commune_client, anna):
    """The sixth reset request within the hour is refused and sends no mail."""
    client = commune_client(kriens)
    for _ in range(5):
        _request_reset(client)
    assert len(mail.outbox) == 5

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/passwort-vergessen/", {"email": "anna@example.ch"})

    assert response.status_code == 429
    assert "Zu viele Anfragen" in response.content.decode()
    assert queued(MAIL_QUEUE) == []
    assert len(mail.outbox) == 5
