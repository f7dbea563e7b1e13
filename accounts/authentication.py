"""API authentication: ``Authorization: Token <key>`` with the portal's expiring, revocable
tokens (``accounts.models.AuthToken``); the token's login context comes with the user."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import (
    SessionAuthentication,
    TokenAuthentication,
    get_authorization_header,
)

from . import logins
from .second_factor import STAFF_API_REFUSED, is_staff_account, request_verified


class PortalTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, read afresh on every request; except for the actions a
    view names in ``token_checked_in_transaction`` (see ``TokenCheckedInTransaction``)."""

    keyword = "Token"
    checked_in_transaction = False

    def authenticate(self, request):
        view = (request.parser_context or {}).get("view")
        actions = getattr(view, "token_checked_in_transaction", ())
        self.checked_in_transaction = getattr(view, "action", None) in actions
        return super().authenticate(request)

    def authenticate_credentials(self, key: str):
        if self.checked_in_transaction:
            token = logins.token_authenticate_kept(key)
        else:
            token = logins.token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Ungültiges oder abgelaufenes Token."))
        user = token.user
        if is_staff_account(user) and not token.second_factor:
            raise exceptions.AuthenticationFailed(STAFF_API_REFUSED)
        user.portal_login = logins.login_context_for_token(token)
        user.api_token = token
        return user, token


class PortalSessionAuthentication(SessionAuthentication):
    """Session logins; a staff session that has not passed its second factor is no login for
    the API (the resident view at most, and staff are no residents)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if (
            result is not None
            and is_staff_account(result[0])
            and not request_verified(request._request)
        ):
            return None
        return result


def token_checks(request) -> list:
    """What the request's writing transaction must check (``tenants.prepared.Kept``): the
    token as this process kept it, when it was not read afresh for this request."""
    kept = getattr(request.auth, "kept", None)
    return [kept] if kept is not None else []


def token_confirm(request) -> None:
    """Read the request's token afresh (after its check in a transaction failed, or before a
    refusal that rests on a kept token): the request then carries the fresh user and token;
    ``AuthenticationFailed`` (401) when it is no longer valid."""
    authenticator = PortalTokenAuthentication()
    user, token = authenticator.authenticate_credentials(_key_of(request))
    request.user, request.auth = user, token


def _key_of(request) -> str:
    # The header was checked already (by PortalTokenAuthentication.authenticate).
    return get_authorization_header(request).split()[1].decode()


class TokenCheckedInTransaction:
    """API view mixin: for the actions in ``token_checked_in_transaction`` the token is not
    read before the action but checked in the action's own writing transaction (its rows as
    this process last read them: ``accounts.logins.token_authenticate_kept``); the action
    passes ``token_checks(request)`` to the service that writes. Every answer other than
    the action's success (a refusal, invalid data, an error) rests on a fresh read of the
    token: a token revoked meanwhile gets 401, as it would have before the action."""

    token_checked_in_transaction: tuple[str, ...] = ()

    def handle_exception(self, exc):
        if token_checks(self.request) and not isinstance(
            exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated
        ):
            try:
                token_confirm(self.request)
            except exceptions.AuthenticationFailed as failed:
                exc = failed
        return super().handle_exception(exc)
