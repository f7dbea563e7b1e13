"""Failed logins block the attacking address, slow the account down for a short while, never
lock its owner out for long, and tell the owner (German mail with an unlock link)."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.utils import timezone

from accounts import lockout
from accounts.models import AuthToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Sicheres-Passwort-2026"
EMAIL = "anna@example.ch"


@pytest.fixture
def anna(kriens, in_commune):
    with in_commune(kriens):
        return UserFactory(email=EMAIL)


def _from(commune_client, commune, address):
    return commune_client(commune, REMOTE_ADDR=address)


def _login(client, password=PASSWORD, username=EMAIL):
    return client.post("/login/", {"username": username, "password": password})


def _fail(client, times, username=EMAIL):
    return [_login(client, "falsch-geraten", username).status_code for _ in range(times)]


def test_the_attacking_address_is_locked_out_but_the_owner_elsewhere_logs_in(
    kriens, commune_client, anna, django_capture_on_commit_callbacks
):
    """Five failures lock 203.0.113.66 out of Anna's account, even with the right password;
    Anna on another address logs in."""
    attacker = _from(commune_client, kriens, "203.0.113.66")
    with django_capture_on_commit_callbacks(execute=True):
        assert _fail(attacker, 5)[-1] == 429
    assert _login(attacker).status_code == 429
    assert SESSION_KEY not in attacker.session

    owner = _from(commune_client, kriens, "198.51.100.7")
    assert _login(owner).status_code == 302
    assert SESSION_KEY in owner.session


def test_the_owner_gets_one_german_notice_with_an_unlock_link(
    kriens, commune_client, in_commune, anna, django_capture_on_commit_callbacks, mail_jobs
):
    """The lockout mails the owner once (by a job), in German, "von einem unbekannten Gerät"
    without the attacker's address (axes keeps it); more failures send no second mail."""
    attacker = _from(commune_client, kriens, "203.0.113.66")
    with django_capture_on_commit_callbacks(execute=True):
        _fail(attacker, 7)
    assert mail.outbox == []  # not sent by the request

    assert mail_jobs() == 1
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == [EMAIL]
    assert notice.subject == "Anmeldung bei Ihrem Konto gesperrt"
    assert "gesperrt" in notice.body and "von einem unbekannten Gerät" in notice.body
    assert "203.0.113.66" not in notice.body and "203.0.113.66" not in notice.subject
    with in_commune(kriens):
        assert AccessAttempt.objects.filter(ip_address="203.0.113.66").exists()
    links = re.findall(r"https?://\S+", notice.body)
    assert len(links) == 1
    assert urlsplit(links[0]).netloc == "kriens.localhost"
    assert urlsplit(links[0]).path.startswith("/login/entsperren/")


def test_a_lockout_of_an_unknown_address_looks_the_same_and_mails_nobody(
    kriens, commune_client, django_capture_on_commit_callbacks, mail_jobs
):
    attacker = _from(commune_client, kriens, "203.0.113.66")
    with django_capture_on_commit_callbacks(execute=True):
        statuses = _fail(attacker, 6, username="niemand@example.ch")
    assert statuses[-2:] == [429, 429]
    assert mail_jobs() == 0
    assert mail.outbox == []


def _unlock_link(mail_jobs) -> str:
    mail_jobs()
    return urlsplit(re.findall(r"https?://\S+", mail.outbox[-1].body)[0]).path


def test_the_unlock_link_clears_the_lockout_and_trusts_the_browser(
    kriens, commune_client, in_commune, anna, django_capture_on_commit_callbacks, mail_jobs
):
    """GET shows a button (nothing changes yet); POST clears the failures of every address
    and the owner, even on the locked address, logs in."""
    attacker = _from(commune_client, kriens, "203.0.113.66")
    with django_capture_on_commit_callbacks(execute=True):
        _fail(attacker, 5)
        _fail(_from(commune_client, kriens, "203.0.113.67"), 2)
    link = _unlock_link(mail_jobs)
    owner = _from(commune_client, kriens, "203.0.113.66")  # behind the same address

    page = owner.get(link)
    assert page.status_code == 200 and "Sperre aufheben" in page.content.decode()
    with in_commune(kriens):
        assert AccessAttempt.objects.filter(username=EMAIL).count() == 2
    response = owner.post(link)

    assert response.status_code == 302 and response["Location"] == "/login/"
    assert lockout.DEVICE_COOKIE in response.cookies
    with in_commune(kriens):
        assert not AccessAttempt.objects.filter(username=EMAIL).exists()
    assert "Die Sperre ist aufgehoben" in owner.get("/login/").content.decode()
    assert _login(owner).status_code == 302


@pytest.mark.parametrize("damage", ["tampered", "expired", "other-commune"])
def test_a_bad_unlock_link_changes_nothing(
    kriens,
    emmen,
    commune_client,
    in_commune,
    anna,
    django_capture_on_commit_callbacks,
    mail_jobs,
    monkeypatch,
    damage,
):
    attacker = _from(commune_client, kriens, "203.0.113.66")
    with django_capture_on_commit_callbacks(execute=True):
        _fail(attacker, 5)
    link = _unlock_link(mail_jobs)
    client = commune_client(kriens)
    if damage == "tampered":
        token = link.rstrip("/").rsplit("/", 1)[1]
        link = link.replace(token, token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"))
    elif damage == "expired":
        later = timezone.now() + dt.timedelta(hours=24, seconds=5)
        monkeypatch.setattr("django.core.signing.time.time", lambda: later.timestamp())
    else:
        with in_commune(emmen):
            UserFactory(pk=anna.pk, email=EMAIL)
        client = commune_client(emmen)

    for response in (client.get(link), client.post(link)):
        assert response.status_code == 400
        assert "Der Link ist nicht gültig" in response.content.decode()
        assert lockout.DEVICE_COOKIE not in response.cookies
    with in_commune(kriens):
        assert AccessAttempt.objects.filter(username=EMAIL).exists()
    assert _login(attacker).status_code == 429


def test_failures_from_many_addresses_slow_the_account_down(
    kriens, commune_client, in_commune, anna
):
    """Ten failures from two addresses: an attempt from a fresh address waits (429 with
    Retry-After and a German message, nothing checked, nobody logged in); once the short wait
    is over the owner logs in from there."""
    _fail(_from(commune_client, kriens, "203.0.113.1"), 5)
    _fail(_from(commune_client, kriens, "203.0.113.2"), 5)
    fresh = _from(commune_client, kriens, "198.51.100.7")

    response = _login(fresh)

    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert "zu viele fehlgeschlagene Anmeldungen" in response.content.decode()
    assert SESSION_KEY not in fresh.session
    with in_commune(kriens):
        assert not AccessAttempt.objects.filter(ip_address="198.51.100.7").exists()
        AccessAttempt.objects.filter(username=EMAIL).update(
            attempt_time=timezone.now() - dt.timedelta(seconds=2)
        )
    assert _login(fresh).status_code == 302


def test_the_wait_grows_and_stays_short(settings):
    """1, 2, 4 … seconds after the tenth failure, never more than the maximum."""
    settings.LOGIN_SLOWDOWN_AFTER = 10
    settings.LOGIN_SLOWDOWN_MAX_SECONDS = 60
    delays = [lockout.slowdown_delay(n) for n in (0, 9, 10, 11, 12, 15, 16, 17, 10_000)]
    assert delays == [0, 0, 1, 2, 4, 32, 60, 60, 60]


def test_a_browser_that_logged_in_before_is_not_slowed_down(
    kriens, commune_client, in_commune, anna
):
    """The owner's browser (device cookie from an earlier login) logs in during an attack;
    the cookie is worth nothing for another account or with a forged value."""
    own_browser = _from(commune_client, kriens, "198.51.100.7")
    assert _login(own_browser).status_code == 302
    own_browser.post("/logout/")
    with in_commune(kriens):
        UserFactory(email="ben@example.ch")
    for address in ("203.0.113.1", "203.0.113.2"):
        _fail(_from(commune_client, kriens, address), 5)
        _fail(_from(commune_client, kriens, address), 5, username="ben@example.ch")

    assert _login(own_browser, username="ben@example.ch").status_code == 429
    forged = _from(commune_client, kriens, "198.51.100.8")
    forged.cookies[lockout.DEVICE_COOKIE] = "forged:value"
    assert _login(forged).status_code == 429
    assert _login(own_browser).status_code == 302
    assert SESSION_KEY in own_browser.session


def test_the_token_api_is_slowed_down_too(kriens, commune_client, in_commune, anna):
    """POST /api/auth/token/ during the slow-down: 429, Retry-After, German, no token."""
    _fail(_from(commune_client, kriens, "203.0.113.1"), 5)
    _fail(_from(commune_client, kriens, "203.0.113.2"), 5)

    response = _from(commune_client, kriens, "198.51.100.7").post(
        "/api/auth/token/", {"email": EMAIL, "password": PASSWORD}
    )

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "zu viele fehlgeschlagene Anmeldungen" in response.json()["detail"]
    with in_commune(kriens):
        assert not AuthToken.objects.filter(user=anna).exists()


def test_the_slowdown_message_in_english(kriens, commune_client, anna):
    _fail(_from(commune_client, kriens, "203.0.113.1"), 5)
    _fail(_from(commune_client, kriens, "203.0.113.2"), 5)
    client = _from(commune_client, kriens, "198.51.100.7")
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})

    response = _login(client)

    assert response.status_code == 429
    assert "Too many failed logins for this e-mail address" in response.content.decode()
