"""Security headers on every answer: a Content-Security-Policy without ``unsafe-inline``
(django-csp; templates that need an inline script or style use ``request.csp_nonce``) and a
Permissions-Policy (django-permissions-policy, configured in the settings).

Forms may also go to the portal's other hosts (the cantonal catalogue's "Weiter zu meiner
Gemeinde" leads to the commune's host) and to the identity provider: logging out posts to the
portal, which redirects to the provider's end-session endpoint, and browsers check that
redirect against ``form-action``. The provider is taken from the current OIDC settings, so a
provider configured at run time is allowed without a restart.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase


def portal_form_targets(request: HttpRequest) -> list[str]:
    """The portal's own hosts (public and every commune), any port, in the request's scheme."""
    domain = settings.PORTAL_DOMAIN
    return [f"{request.scheme}://{domain}:*", f"{request.scheme}://*.{domain}:*"]


def identity_provider_origin() -> str:
    """``scheme://host[:port]`` of the configured OIDC discovery URL, or ``""``."""
    parts = urlsplit(settings.OIDC.get("discovery_url", ""))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def payment_provider_origin() -> str:
    """``scheme://host[:port]`` of the payment page the "Bezahlen" form is redirected to (the
    ``payment`` adapters' configuration through the registry), or ``""``. Chromium applies
    ``form-action`` to the redirect after a form POST as well."""
    from integrations.registry import UnknownAdapter, registry

    try:
        config = registry.get("payment.init").config
    except UnknownAdapter:
        return ""
    parts = urlsplit(str(config.get("pay_url") or config.get("url") or ""))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def api_token_request(request: HttpRequest) -> bool:
    """Whether the request carries an API token (``Authorization: Token …``).

    Such a request comes from a program, never from a browser loading a page: browsers send
    no ``Token`` authorization on their own (only the HTTP authentication schemes they know),
    so its answer is never a document whose forms ``form-action`` would govern."""
    return request.META.get("HTTP_AUTHORIZATION", "")[:6].lower() == "token "


class PortalCSPMiddleware(CSPMiddleware):
    """django-csp's middleware; ``form-action`` also allows the identity provider and the
    payment provider's page (not for API token requests: their answers are no pages, and
    looking up the commune's payment configuration would cost each API call a query)."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        # django-csp asks once per policy (enforced and report-only): the targets, which read
        # the commune's payment configuration, are worked out once per request.
        targets = getattr(request, "_portal_form_action", None)
        if targets is None:
            targets = portal_form_targets(request)
            origins = [identity_provider_origin()]
            if not api_token_request(request):
                origins.append(payment_provider_origin())
            targets += [o for o in origins if o]
            request._portal_form_action = targets
        parts.update = {**(parts.update or {}), "form-action": list(targets)}
        return parts
