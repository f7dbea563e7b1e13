"""Attach the login context (quality level, verified claims) of a session to its user."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import logins


class LoginContextMiddleware:
    """After Django's AuthenticationMiddleware: a session that came from a provider login gives
    ``request.user.portal_login``; other sessions count as password logins (no query)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(logins.SESSION_LOGIN_ID):
            user = request.user
            if user.is_authenticated:
                user.portal_login = logins.login_context_for_session(session, user)
        return self.get_response(request)
