"""Every answer carries a Content-Security-Policy without ``unsafe-inline`` and a
Permissions-Policy (issue 16); the identity provider and the payment provider's page are the
only other form targets."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, list[str]]:
    parts = [part.strip().split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


@pytest.mark.parametrize(
    ("host_kind", "path"),
    [
        ("public", "/"),
        ("public", "/api/communes/"),
        ("public", "/gibt-es-nicht/"),
        ("commune", "/"),
        ("commune", "/login/"),
        ("commune", "/api/docs/"),
    ],
)
def test_every_answer_has_csp_and_permissions_policy(
    kriens, commune_client, public_client, host_kind, path
):
    client = public_client if host_kind == "public" else commune_client(kriens)
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    directives = _directives(csp)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"][0] == "'self'"
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == [
        "'self'",
        "http://localhost:*",
        "http://*.localhost:*",
        "http://127.0.0.1:8103",
        "http://127.0.0.1:8104",
    ]
    policy = response["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy
    assert "publickey-credentials-get=(self)" in policy


def test_form_action_follows_the_configured_provider(public_client, settings):
    settings.OIDC = {**settings.OIDC, "discovery_url": "https://login.agov.ch/.well-known/x"}
    csp = _directives(public_client.get("/")["Content-Security-Policy"])
    assert csp["form-action"][-2] == "https://login.agov.ch"


def test_form_action_follows_the_configured_payment_page(public_client, settings):
    """ "Bezahlen" redirects the form POST to the provider's page: its origin is allowed."""
    from integrations.registry import registry

    settings.INTEGRATIONS = {
        **settings.INTEGRATIONS,
        "payment": {**settings.INTEGRATIONS["payment"], "pay_url": "https://pay.datatrans.com"},
    }
    registry.reset()
    try:
        csp = _directives(public_client.get("/")["Content-Security-Policy"])
    finally:
        registry.reset()
    assert csp["form-action"][-1] == "https://pay.datatrans.com"


def test_api_token_answers_skip_the_payment_lookup(public_client, settings):
    """An API token request is never a page a browser shows: its policy names no payment page
    (and reads no commune configuration for it); the page's policy still does."""
    from integrations.registry import registry

    settings.INTEGRATIONS = {
        **settings.INTEGRATIONS,
        "payment": {**settings.INTEGRATIONS["payment"], "pay_url": "https://pay.datatrans.com"},
    }
    registry.reset()
    try:
        page = _directives(public_client.get("/")["Content-Security-Policy"])
        api = _directives(
            public_client.get("/", HTTP_AUTHORIZATION="Token x")["Content-Security-Policy"]
        )
    finally:
        registry.reset()
    assert page["form-action"][-1] == "https://pay.datatrans.com"
    assert "https://pay.datatrans.com" not in api["form-action"]
    assert api["form-action"] == page["form-action"][:-1]


def test_pages_have_no_inline_scripts_or_styles(kriens, commune_client, public_client):
    """The templates themselves keep the policy: no inline script, style element or
    attribute on the main pages (the browser would block them)."""
    for client, path in [
        (public_client, "/"),
        (commune_client(kriens), "/"),
        (commune_client(kriens), "/login/"),
        (commune_client(kriens), "/registrieren/"),
    ]:
        html = client.get(path).content.decode()
        assert " style=" not in html and "<style" not in html, path
        for chunk in html.split("<script")[1:]:
            tag = chunk.split(">", 1)[0]
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
