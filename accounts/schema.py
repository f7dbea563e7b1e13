"""OpenAPI: the portal's session authentication is documented like Django's (cookie), so the
schema keeps naming how to authenticate (the token class is matched as a subclass already)."""

from drf_spectacular.authentication import SessionScheme


class PortalSessionScheme(SessionScheme):
    target_class = "accounts.authentication.PortalSessionAuthentication"
