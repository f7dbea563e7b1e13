"""API authentication: ``Authorization: Token <key>`` with the portal's expiring, revocable
tokens (``accounts.models.AuthToken``); the token's login context comes with the user."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from . import logins
from .second_factor import STAFF_API_REFUSED, is_staff_account, request_verified


class PortalTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str):
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
