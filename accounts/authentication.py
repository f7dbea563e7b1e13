"""API authentication: ``Authorization: Token <key>`` with the portal's expiring, revocable
tokens (``accounts.models.AuthToken``); the token's login context comes with the user."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from . import logins


class PortalTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str):
        token = logins.token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Ungültiges oder abgelaufenes Token."))
        user = token.user
        user.portal_login = logins.login_context_for_token(token)
        user.api_token = token
        return user, token
