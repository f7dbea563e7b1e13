"""A provider login without a browser, for scripts (``seed_demo``) and tests: the same code path
as a person's login — ``accounts.oidc.authorize_redirect`` builds the request (state, nonce,
PKCE), the provider answers a ``login_hint`` without its page, and
``accounts.oidc.identity_from_callback`` checks the answer exactly as on the callback URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, QueryDict

from . import oidc


class _MemorySession(SessionBase):
    """A session that lives only for this one login (nothing is stored)."""

    def load(self):
        return {}

    def exists(self, session_key):
        return False

    def create(self):
        self._session_key = None

    def save(self, must_create=False):
        return None

    def delete(self, session_key=None):
        return None


def _request(url: str) -> HttpRequest:
    parts = urlsplit(url)
    request = HttpRequest()
    request.method = "GET"
    request.META["SERVER_NAME"] = parts.hostname or "localhost"
    request.META["SERVER_PORT"] = str(parts.port or (443 if parts.scheme == "https" else 80))
    request.META["HTTP_HOST"] = parts.netloc
    request.path = request.path_info = parts.path
    request.GET = QueryDict(parts.query)
    return request


def provider_login_headless(
    *, login_hint: str, redirect_uri: str, level: str | None = None
) -> oidc.ProviderIdentity:
    """Log the person ``login_hint`` (their AHV number, for the reference provider) in at the
    provider and return the checked identity. Raises ``oidc.LoginFailed``."""
    start = _request(redirect_uri)
    start.session = _MemorySession()
    redirect = oidc.authorize_redirect(
        start, redirect_uri=redirect_uri, level=level, login_hint=login_hint
    )
    timeout = settings.OIDC["timeout"]
    try:
        answer = httpx.get(redirect["Location"], timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise oidc.LoginFailed("unavailable") from exc
    location = answer.headers.get("location", "")
    if answer.status_code not in (302, 303) or not location.startswith(redirect_uri):
        raise oidc.LoginFailed("provider_error", error=f"HTTP {answer.status_code}")
    callback = _request(location)
    callback.session = start.session
    if "code" not in parse_qs(urlsplit(location).query):
        raise oidc.LoginFailed("provider_error", error="kein Code")
    return oidc.identity_from_callback(callback)
