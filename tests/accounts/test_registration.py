import datetime as dt
import time
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing

from accounts import tokens
from accounts.models import ResidentProfile, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Laerchenweg-17-Kriens"
FORM = {
    "email": "Anna.Muster@example.ch",
    "first_name": "Anna",
    "last_name": "Muster",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


def _register(client, capture, **changes):
    with capture(execute=True):
        return client.post("/registrieren/", {**FORM, **changes})


def test_registration_creates_an_inactive_resident_and_mails_only_a_link(
    kriens, commune_client, in_commune, django_capture_on_commit_callbacks, mailed_link, mail_jobs
):
    """Registering creates an inactive resident; a job sends one mail with a link to the host."""
    response = _register(commune_client(kriens), django_capture_on_commit_callbacks)
    assert mail.outbox == []  # not sent by the request
    assert mail_jobs() == 1

    assert response.status_code == 302
    assert response["Location"] == "/registrieren/gesendet/"
    with in_commune(kriens):
        user = User.objects.get(email="anna.muster@example.ch")
        assert not user.is_active
        assert user.role == User.Role.RESIDENT
        assert ResidentProfile.objects.filter(user=user).exists()
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Anna" not in body and "Muster" not in body
    link = urlsplit(mailed_link())
    assert link.netloc == "kriens.localhost"
    assert link.path.startswith("/registrieren/bestaetigen/")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password2": "Anders-als-vorher-1"}, "password2", "stimmen nicht überein"),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "zu üblich"),
        ({"email": "keine-adresse"}, "email", "gültige E-Mail-Adresse"),
        ({"first_name": ""}, "first_name", "Vornamen"),
    ],
)
def test_bad_registration_shows_a_german_message_and_creates_nothing(
    kriens,
    commune_client,
    in_commune,
    django_capture_on_commit_callbacks,
    changes,
    field,
    message,
    mail_jobs,
):
    """Invalid input is answered per field in German; no user, no mail."""
    response = _register(commune_client(kriens), django_capture_on_commit_callbacks, **changes)

    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert 'id="error-summary"' in response.content.decode()
    with in_commune(kriens):
        assert not User.objects.exists()
    assert mail_jobs() == 0
    assert mail.outbox == []


def test_registering_a_known_address_changes_nothing_and_points_to_password_reset(
    kriens, commune_client, in_commune, django_capture_on_commit_callbacks, mailed_link
):
    """A known active address is not revealed: the mail points to the reset, the password stays."""
    with in_commune(kriens):
        existing = UserFactory(email="anna.muster@example.ch")
        old_hash = existing.password

    response = _register(commune_client(kriens), django_capture_on_commit_callbacks)

    assert response["Location"] == "/registrieren/gesendet/"
    with in_commune(kriens):
        existing.refresh_from_db()
        assert existing.password == old_hash
        assert existing.is_active
    assert urlsplit(mailed_link()).path == "/passwort-vergessen/"


def test_following_the_link_activates_the_account_and_login_works(
    kriens, commune_client, in_commune, django_capture_on_commit_callbacks, mailed_link
):
    """The verification link activates the account; then the resident can log in."""
    client = commune_client(kriens)
    login = {"username": FORM["email"], "password": PASSWORD}
    _register(client, django_capture_on_commit_callbacks)
    refused = client.post("/login/", login)  # not verified yet
    assert refused.status_code == 200
    assert "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse" in refused.content.decode()
    wrong = client.post("/login/", {**login, "password": "falsch-geraten-1"})
    assert "E-Mail-Adresse oder Passwort ist falsch." in wrong.content.decode()

    response = client.get(urlsplit(mailed_link()).path)

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    with in_commune(kriens):
        assert User.objects.get(email="anna.muster@example.ch").is_active
    assert client.post("/login/", login).status_code == 302
    assert client.get("/profil/").status_code == 200


def _token_for(kriens, in_commune, email="anna.muster@example.ch", at=None, monkeypatch=None):
    with in_commune(kriens):
        user = User.objects.get(email=email)
        if at is None:
            return tokens.email_verification_token(user=user)
        with monkeypatch.context() as patched:
            patched.setattr(signing.time, "time", lambda: at)
            return tokens.email_verification_token(user=user)


def test_an_expired_link_activates_nothing(
    kriens, commune_client, in_commune, django_capture_on_commit_callbacks, monkeypatch
):
    """A link older than three days is refused and the account stays inactive."""
    client = commune_client(kriens)
    _register(client, django_capture_on_commit_callbacks)
    three_days_ago = time.time() - dt.timedelta(days=3, seconds=5).total_seconds()
    token = _token_for(kriens, in_commune, at=three_days_ago, monkeypatch=monkeypatch)

    response = client.get(f"/registrieren/bestaetigen/{token}/")

    assert response.status_code == 400
    assert "abgelaufen" in response.content.decode()
    with in_commune(kriens):
        assert not User.objects.get(email="anna.muster@example.ch").is_active


def test_a_tampered_link_activates_nothing(
    kriens, commune_client, in_commune, django_capture_on_commit_callbacks, mailed_link
):
    """A token with one character changed is refused and the account stays inactive."""
    client = commune_client(kriens)
    _register(client, django_capture_on_commit_callbacks)
    path = urlsplit(mailed_link()).path
    token = path.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]

    response = client.get(f"/registrieren/bestaetigen/{tampered}/")

    assert response.status_code == 400
    with in_commune(kriens):
        assert not User.objects.get(email="anna.muster@example.ch").is_active


def test_a_second_registration_of_an_unverified_address_changes_nothing(
    kriens, commune_client, in_commune, django_capture_on_commit_callbacks, mailed_link
):
    """Registering a pending address again keeps the first password and names; the first link
    still activates; the owner gets a notice instead of a new verification link."""
    client = commune_client(kriens)
    _register(client, django_capture_on_commit_callbacks)
    first_link = urlsplit(mailed_link()).path
    with in_commune(kriens):
        first = User.objects.get(email="anna.muster@example.ch")
    other = "Neues-Passwort-Sempach-9"

    response = _register(
        client,
        django_capture_on_commit_callbacks,
        password1=other,
        password2=other,
        first_name="Eva",
    )

    assert response["Location"] == "/registrieren/gesendet/"
    notice = mailed_link()
    assert len(mail.outbox) == 2
    assert "bereits ein Konto eröffnet" in mail.outbox[-1].body
    assert "/registrieren/bestaetigen/" not in notice
    with in_commune(kriens):
        again = User.objects.get(email="anna.muster@example.ch")
        assert again.password == first.password and again.first_name == "Anna"
        assert not again.is_active
    assert client.get(first_link).status_code == 302
    assert (
        client.post("/login/", {"username": FORM["email"], "password": PASSWORD}).status_code == 302
    )


def test_the_notice_of_a_second_registration_lets_the_owner_choose_a_password(
    kriens, commune_client, in_commune, django_capture_on_commit_callbacks, mailed_link
):
    """Someone registered the owner's address first: the owner's own registration sends a link
    to choose a password, which activates the account and voids the first link."""
    attacker = "Fremdes-Passwort-Horw-4"
    client = commune_client(kriens)
    _register(client, django_capture_on_commit_callbacks, password1=attacker, password2=attacker)
    first_link = urlsplit(mailed_link()).path
    _register(client, django_capture_on_commit_callbacks)
    form_page = client.get(urlsplit(mailed_link()).path, follow=True)
    assert "Neues Passwort wählen" in form_page.content.decode()

    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )

    assert response.status_code == 302
    with in_commune(kriens):
        user = User.objects.get(email="anna.muster@example.ch")
        assert user.is_active
        assert user.check_password(PASSWORD) and not user.check_password(attacker)
    assert client.get(first_link).status_code == 400
    assert (
        client.post("/login/", {"username": FORM["email"], "password": PASSWORD}).status_code == 302
    )


def test_known_and_new_addresses_get_the_same_answer_and_the_same_hashing_work(
    kriens, commune_client, in_commune, django_capture_on_commit_callbacks, monkeypatch, mail_jobs
):
    """New, pending and active addresses: the same redirect, one password hash each, no mail
    sent by the request (one job each sends it)."""
    from django.contrib.auth import hashers

    with in_commune(kriens):
        UserFactory(email="aktiv@example.ch")
        UserFactory(email="offen@example.ch", is_active=False)
    hasher_class = type(hashers.get_hasher())
    real_encode = hasher_class.encode
    calls: list[str] = []

    def counting_encode(self, password, salt, *args, **kwargs):
        calls.append(password)
        return real_encode(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hasher_class, "encode", counting_encode)
    answers, hashes, jobs = [], [], []
    for email in ("neu@example.ch", "offen@example.ch", "aktiv@example.ch"):
        calls.clear()
        response = _register(
            commune_client(kriens), django_capture_on_commit_callbacks, email=email
        )
        answers.append((response.status_code, response["Location"], response.content))
        hashes.append(len(calls))
        assert mail.outbox == []
        jobs.append(mail_jobs())
        mail.outbox.clear()

    assert answers == [(302, "/registrieren/gesendet/", b"")] * 3
    assert hashes == [1, 1, 1]
    assert jobs == [1, 1, 1]


def test_a_link_of_kriens_does_not_activate_an_account_in_emmen(
    kriens, emmen, commune_client, in_commune, django_capture_on_commit_callbacks, mailed_link
):
    """The same token on Emmen's host is refused, even for a user with the same id and address."""
    _register(commune_client(kriens), django_capture_on_commit_callbacks)
    with in_commune(kriens):
        kriens_user = User.objects.get(email="anna.muster@example.ch")
    with in_commune(emmen):
        twin = UserFactory(pk=kriens_user.pk, email=kriens_user.email, is_active=False)

    response = commune_client(emmen).get(urlsplit(mailed_link()).path)

    assert response.status_code == 400
    with in_commune(emmen):
        twin.refresh_from_db()
        assert not twin.is_active
    with in_commune(kriens):
        kriens_user.refresh_from_db()
        assert not kriens_user.is_active


@pytest.mark.parametrize(
    "existing",
    [
        {"is_active": False, "role": User.Role.CLERK},
        {"is_active": False, "last_login": dt.datetime(2026, 1, 5, tzinfo=dt.UTC)},
    ],
    ids=["deactivated-clerk", "deactivated-resident"],
)
def test_registration_never_reactivates_a_deactivated_account(
    kriens, commune_client, in_commune, django_capture_on_commit_callbacks, mailed_link, existing
):
    """A deactivated account keeps its password and stays inactive; no verification link."""
    with in_commune(kriens):
        user = UserFactory(email="anna.muster@example.ch", **existing)
        old_hash = user.password

    _register(commune_client(kriens), django_capture_on_commit_callbacks)

    with in_commune(kriens):
        user.refresh_from_db()
        assert user.password == old_hash
        assert not user.is_active
    assert "/registrieren/bestaetigen/" not in mailed_link()


def test_the_registration_page_is_available_in_english(kriens, commune_client):
    """With English chosen, the page, its labels and its messages are English."""
    client = commune_client(kriens)
    client.post("/i18n/setlang/", {"language": "en", "next": "/registrieren/"})

    response = client.post("/registrieren/", {**FORM, "postcode": "", "password2": "x"})

    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Create account" in page and "The two passwords do not match." in page


def test_registration_mails_are_limited_per_address(
    kriens, commune_client, in_commune, django_capture_on_commit_callbacks, mail_jobs
):
    """After five registrations of one address within the hour, no further mail is sent."""
    client = commune_client(kriens)
    for _ in range(5):
        assert _register(client, django_capture_on_commit_callbacks).status_code == 302

    response = _register(client, django_capture_on_commit_callbacks)

    assert response.status_code == 429
    assert "Zu viele Anfragen" in response.content.decode()
    assert mail_jobs() == 5
    assert len(mail.outbox) == 5
