"""The client address of every throttle: REMOTE_ADDR by default; a proxy header only when it is
configured (TRUSTED_PROXY_HEADER, TRUSTED_PROXY_COUNT)."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory

from accounts.throttle import client_ip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _request(remote="198.51.100.7", **headers):
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_a_client_sent_forwarded_for_is_ignored_by_default(settings):
    """Without a configured proxy header, only REMOTE_ADDR counts."""
    assert settings.TRUSTED_PROXY_HEADER == ""
    request = _request(HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_X_REAL_IP="5.6.7.8")
    assert client_ip(request) == "198.51.100.7"


@pytest.mark.parametrize(
    ("header", "count", "value", "expected"),
    [
        ("HTTP_X_FORWARDED_FOR", 1, "203.0.113.9", "203.0.113.9"),
        # the client prepended a fake hop; our one proxy appended the real address
        ("HTTP_X_FORWARDED_FOR", 1, "1.2.3.4, 203.0.113.9", "203.0.113.9"),
        # two proxies of ours: the second from the right is the client
        ("HTTP_X_FORWARDED_FOR", 2, "1.2.3.4, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        # fewer hops than proxies: the request did not pass them, REMOTE_ADDR
        ("HTTP_X_FORWARDED_FOR", 2, "203.0.113.9", "198.51.100.7"),
        ("HTTP_X_FORWARDED_FOR", 1, "kein-ip", "198.51.100.7"),
        ("HTTP_X_FORWARDED_FOR", 1, "", "198.51.100.7"),
        ("X-Real-IP", 1, "2001:db8::5", "2001:db8::5"),
        ("HTTP_X_REAL_IP", 1, "203.0.113.9:51234", "203.0.113.9"),
    ],
)
def test_the_configured_proxy_header_gives_the_address(settings, header, count, value, expected):
    settings.TRUSTED_PROXY_HEADER = header
    settings.TRUSTED_PROXY_COUNT = count
    meta_name = "HTTP_X_REAL_IP" if "REAL" in header.upper() else "HTTP_X_FORWARDED_FOR"
    assert client_ip(_request(**{meta_name: value})) == expected


def _fail_login(client, forwarded):
    return client.post(
        "/login/",
        {"username": "anna@example.ch", "password": "falsch"},
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_a_spoofed_forwarded_for_does_not_escape_the_login_lockout(
    kriens, commune_client, in_commune
):
    """Five failures from one address lock it out, whatever X-Forwarded-For says each time."""
    with in_commune(kriens):
        UserFactory(email="anna@example.ch")
    client = commune_client(kriens, REMOTE_ADDR="198.51.100.7")
    statuses = [_fail_login(client, f"10.0.0.{n}").status_code for n in range(6)]

    assert statuses[-2:] == [429, 429]
    with in_commune(kriens):
        assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_behind_a_configured_proxy_axes_sees_the_forwarded_client(
    kriens, commune_client, in_commune, settings
):
    """With TRUSTED_PROXY_HEADER set, axes records the address the proxy forwarded."""
    settings.TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    with in_commune(kriens):
        UserFactory(email="anna@example.ch")
    client = commune_client(kriens, REMOTE_ADDR="10.0.0.1")
    statuses = [_fail_login(client, f"203.0.113.{n}").status_code for n in range(6)]

    assert 429 not in statuses
    with in_commune(kriens):
        assert AccessAttempt.objects.filter(ip_address="203.0.113.3").exists()
        assert not AccessAttempt.objects.filter(ip_address="10.0.0.1").exists()


def test_the_api_login_throttle_ignores_a_spoofed_forwarded_for(kriens, commune_client):
    """POST /api/auth/token/ allows 10 requests a minute per address; a new X-Forwarded-For on
    every request does not reset the count."""
    client = commune_client(kriens, REMOTE_ADDR="198.51.100.7")
    statuses = [
        client.post(
            "/api/auth/token/",
            {"email": f"niemand{n}@example.ch", "password": "falsch"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
