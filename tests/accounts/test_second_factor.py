"""Staff need a second factor (TOTP or a recovery code): back office, admin sites and the staff
API; residents are not affected."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuthToken
from tests.factories import UserFactory
from tests.identity import login_without_second_factor, totp_code

pytestmark = pytest.mark.django_db
PASSWORD = "Sicheres-Passwort-2026"


def _client(commune, user=None, in_commune=None):
    client = Client(HTTP_HOST=commune.primary_domain)
    if user is not None:
        with in_commune(commune):
            login_without_second_factor(client, user)
    return client


def test_clerk_without_second_factor_gets_no_staff_area_and_no_staff_api(kriens, in_commune):
    """Password only: the back office and the admin send to the set-up page; the API treats
    the session as no login; nothing was changed."""
    with in_commune(kriens):
        clerk = UserFactory(clerk=True)
    client = _client(kriens, clerk, in_commune)
    for path in ("/backoffice/", "/admin/", "/verwaltung/angebot/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/zweiter-faktor/einrichten/?next=")
    assert client.get("/api/cases/").status_code in (401, 403)
    assert client.get("/profil/").status_code == 200  # the resident view stays
    with in_commune(kriens):
        assert not TOTPDevice.objects.filter(user=clerk).exists()


def test_enrolment_with_a_first_code_then_recovery_codes(kriens, in_commune):
    """The set-up page shows the secret and a QR code; a wrong code is refused; the right one
    confirms the device, shows ten recovery codes once and opens the back office."""
    with in_commune(kriens):
        clerk = UserFactory(clerk=True)
    client = _client(kriens, clerk, in_commune)
    page = client.get("/zweiter-faktor/einrichten/?next=/backoffice/")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "QR-Code" in html
    secret = re.search(r"<code>([A-Z2-7]+)</code>", html).group(1)
    wrong = client.post("/zweiter-faktor/einrichten/", {"code": "000000", "next": "/backoffice/"})
    assert wrong.status_code == 400 and "falsch" in wrong.content.decode()
    import base64
    import time

    time.sleep(1.1)  # django-otp lets the next try wait a second after a wrong code
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    done = client.post(
        "/zweiter-faktor/einrichten/", {"code": f"{totp(key):06d}", "next": "/backoffice/"}
    )
    codes = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())
    assert done.status_code == 200 and len(codes) == 10
    assert client.get("/backoffice/").status_code == 200
    with in_commune(kriens):
        assert TOTPDevice.objects.filter(user=clerk, confirmed=True).count() == 1


def test_login_asks_for_the_code_and_throttles_wrong_ones(kriens, in_commune):
    """With a device, staff pages ask for the code; wrong codes are counted and after five
    the page says the factor is locked (429) and even the right code waits."""
    with in_commune(kriens):
        clerk = UserFactory(clerk=True)
        totp_code(clerk)  # makes the device
    client = _client(kriens, clerk, in_commune)
    asked = client.get("/backoffice/")
    assert asked["Location"].startswith("/zweiter-faktor/?next=")
    statuses = [
        client.post("/zweiter-faktor/", {"code": "123456", "next": "/backoffice/"}).status_code
        for _ in range(6)
    ]
    assert statuses[0] == 400 and statuses[-1] == 429
    with in_commune(kriens):
        right = totp_code(clerk)
    locked = client.post("/zweiter-faktor/", {"code": right, "next": "/backoffice/"})
    assert locked.status_code == 429
    assert client.get("/backoffice/").status_code == 302


def test_right_code_opens_the_back_office(kriens, in_commune):
    with in_commune(kriens):
        clerk = UserFactory(clerk=True)
        code = totp_code(clerk)
    client = _client(kriens, clerk, in_commune)
    passed = client.post("/zweiter-faktor/", {"code": code, "next": "/backoffice/"})
    assert passed.status_code == 302 and passed["Location"] == "/backoffice/"
    assert client.get("/backoffice/").status_code == 200


def test_recovery_code_works_once(kriens, in_commune):
    """A recovery code replaces the app once; used again it is refused."""
    from accounts.second_factor import recovery_codes_new

    with in_commune(kriens):
        clerk = UserFactory(clerk=True)
        totp_code(clerk)
        code = recovery_codes_new(user=clerk)[0]
    first = _client(kriens, clerk, in_commune)
    assert first.post("/zweiter-faktor/", {"code": code, "next": "/backoffice/"}).status_code == 302
    second = _client(kriens, clerk, in_commune)
    assert (
        second.post("/zweiter-faktor/", {"code": code, "next": "/backoffice/"}).status_code == 400
    )
    with in_commune(kriens):
        assert not StaticToken.objects.filter(token=code).exists()


def test_staff_token_needs_the_code_residents_do_not(kriens, in_commune):
    """POST /api/auth/token/: a clerk without «otp» gets 403 and no token, with the code a
    token that works; a resident needs none."""
    with in_commune(kriens):
        clerk = UserFactory(clerk=True, email="clerk@kriens.ch")
        UserFactory(email="anna@example.ch")
        code = totp_code(clerk)
    api = _client(kriens)
    body = {"email": "clerk@kriens.ch", "password": PASSWORD}
    refused = api.post("/api/auth/token/", body, content_type="application/json")
    assert refused.status_code == 403 and "zweiter Faktor" in refused.json()["detail"]
    with in_commune(kriens):
        assert not AuthToken.objects.filter(user=clerk).exists()
    issued = api.post("/api/auth/token/", {**body, "otp": code}, content_type="application/json")
    assert issued.status_code == 200
    token = issued.json()["token"]
    works = _client(kriens).get("/api/cases/", HTTP_AUTHORIZATION=f"Token {token}")
    assert works.status_code == 200
    resident = api.post(
        "/api/auth/token/",
        {"email": "anna@example.ch", "password": PASSWORD},
        content_type="application/json",
    )
    assert resident.status_code == 200


def test_staff_token_without_second_factor_is_refused(kriens, in_commune):
    """A staff token not issued after the second factor does not authenticate."""
    from accounts import logins

    with in_commune(kriens):
        clerk = UserFactory(clerk=True)
        key, _token = logins.token_issue(user=clerk, context=logins.PASSWORD_LOGIN)
    refused = _client(kriens).get("/api/cases/", HTTP_AUTHORIZATION=f"Token {key}")
    assert refused.status_code == 401


def test_cantonal_admin_needs_the_second_factor_too(db):
    """Cantonal staff on the public host's admin: the code page first."""
    canton = UserFactory(canton=True)
    client = Client(HTTP_HOST="localhost")
    login_without_second_factor(client, canton)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/zweiter-faktor/" in response["Location"]
    code = totp_code(canton)
    assert client.post("/zweiter-faktor/", {"code": code, "next": "/admin/"}).status_code == 302
    assert client.get("/admin/").status_code == 200
