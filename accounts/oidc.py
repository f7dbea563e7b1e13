"""Login through the identity provider (AGOV / e-ID) over OpenID Connect, as relying party.

authlib's Django client does the protocol: discovery, authorization code flow with PKCE (S256),
state and nonce in the session, the ID token's signature (JWKS), issuer, audience, expiry and
nonce, and the userinfo call. This module adds what is ours: the provider configuration from
``settings.OIDC``, the mapping of claims and of ``acr`` onto our quality levels
(``accounts.levels``), and one German error per way a login can fail. Nothing here writes to
the database; ``accounts.logins`` does that with the ``ProviderIdentity`` returned here.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoIntegration, DjangoOAuth2App
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from joserfc import errors as jose_errors

from .levels import AuthLevel, level_is_verified
from .validators import ahv_normalize, validate_ahv_number

logger = logging.getLogger(__name__)

# The discovery document (and the JWKS the client keeps with it) is reused for this long.
METADATA_SECONDS = 300

FAILURES = {
    "unavailable": _(
        "Der Login-Dienst ist im Moment nicht erreichbar. Bitte versuchen Sie es später erneut."
    ),
    "cancelled": _("Die Anmeldung wurde abgebrochen."),
    "state": _(
        "Die Anmeldung ist abgelaufen oder wurde in einem anderen Fenster gestartet. "
        "Bitte melden Sie sich erneut an."
    ),
    "signature": _(
        "Die Antwort des Login-Dienstes trägt keine gültige Signatur. Aus Sicherheitsgründen "
        "wurden Sie nicht angemeldet."
    ),
    "expired": _("Die Antwort des Login-Dienstes ist abgelaufen. Bitte melden Sie sich erneut an."),
    "token_invalid": _(
        "Die Antwort des Login-Dienstes ist nicht für dieses Portal bestimmt oder ungültig "
        "(%(claim)s). Aus Sicherheitsgründen wurden Sie nicht angemeldet."
    ),
    "claims_missing": _(
        "Der Login-Dienst hat nicht alle nötigen Angaben übermittelt (%(claims)s). Sie wurden "
        "nicht angemeldet."
    ),
    "claims_invalid": _(
        "Der Login-Dienst hat ungültige Angaben übermittelt (%(claims)s). Sie wurden nicht "
        "angemeldet."
    ),
    "provider_error": _("Der Login-Dienst hat die Anmeldung abgelehnt (%(error)s)."),
}


class LoginFailed(Exception):
    """A provider login that must not log anyone in; ``message`` is for the person."""

    def __init__(self, code: str, **params: str) -> None:
        self.code = code
        self.params = params
        super().__init__(code)

    @property
    def message(self) -> str:
        template = FAILURES.get(self.code, FAILURES["provider_error"])
        return str(template) % self.params if self.params else str(template)


@dataclass(frozen=True)
class ProviderIdentity:
    """What one provider login says about the person (claims already mapped to our names)."""

    subject: str
    issuer: str
    level: str
    acr: str
    first_name: str = ""
    last_name: str = ""
    date_of_birth: str = ""  # ISO
    ahv_number: str = ""  # 756.XXXX.XXXX.XX
    email: str = ""
    email_verified: bool = False
    id_token: str = field(default="", repr=False)

    @property
    def is_verified(self) -> bool:
        return level_is_verified(self.level)

    def verified_claims(self) -> dict[str, str]:
        """Names, date of birth and AHV number, only when the provider vouched for them."""
        if not self.is_verified:
            return {}
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "date_of_birth": self.date_of_birth,
            "ahv_number": self.ahv_number,
        }


_apps: dict[tuple, tuple[DjangoOAuth2App, float]] = {}


def provider_config() -> dict[str, Any]:
    return settings.OIDC


def provider_app() -> DjangoOAuth2App:
    """The authlib client for the configured provider (its discovery document cached)."""
    cfg = provider_config()
    key = (cfg["discovery_url"], cfg["client_id"], cfg["client_secret"], cfg["scopes"])
    cached = _apps.get(key)
    if cached is not None and time.monotonic() - cached[1] < METADATA_SECONDS:
        return cached[0]
    app = DjangoOAuth2App(
        DjangoIntegration("identity"),
        name="identity",
        client_id=cfg["client_id"],
        client_secret=cfg["client_secret"],
        server_metadata_url=cfg["discovery_url"],
        client_kwargs={
            "scope": cfg["scopes"],
            "code_challenge_method": "S256",
            "default_timeout": cfg["timeout"],
        },
    )
    _apps[key] = (app, time.monotonic())
    return app


def provider_cache_clear() -> None:
    """Forget discovery documents and keys (tests; a provider that rotated its keys)."""
    _apps.clear()


def _metadata(app: DjangoOAuth2App) -> dict[str, Any]:
    try:
        return app.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("identity provider discovery failed: %s", exc.__class__.__name__)
        provider_cache_clear()
        raise LoginFailed("unavailable") from exc


def acr_for_level(level: str) -> str:
    """The provider's acr value that asks for ``level`` (the first one mapped to it)."""
    for acr, mapped in provider_config()["level_by_acr"].items():
        if mapped == level:
            return acr
    return ""


def authorize_redirect(
    request: HttpRequest,
    *,
    redirect_uri: str,
    level: str | None = None,
    prompt: str = "",
    login_hint: str = "",
) -> HttpResponse:
    """Redirect to the provider's authorization endpoint (state, nonce and PKCE verifier in the
    session). ``level`` asks for at least that quality (``acr_values``: a step-up)."""
    app = provider_app()
    _metadata(app)
    params: dict[str, str] = {}
    if level and level not in (AuthLevel.NONE, AuthLevel.EMAIL):
        acr = acr_for_level(level)
        if acr:
            params["acr_values"] = acr
    if prompt:
        params["prompt"] = prompt
    if login_hint:
        params["login_hint"] = login_hint
    language = getattr(request, "LANGUAGE_CODE", "de") or "de"
    params["ui_locales"] = language[:2]
    return app.authorize_redirect(request, redirect_uri, **params)


def _claim(data: dict[str, Any], name: str) -> Any:
    return data.get(provider_config()["claims"].get(name, name))


def identity_from_callback(request: HttpRequest) -> ProviderIdentity:
    """Finish the code flow on the callback: exchange the code, check the ID token, read the
    userinfo and map the claims. Raises LoginFailed; never logs anyone in by itself."""
    app = provider_app()
    cfg = provider_config()
    error = request.GET.get("error")
    if error == "access_denied":
        raise LoginFailed("cancelled")
    try:
        _metadata(app)
        token = app.authorize_access_token(request, leeway=cfg["leeway"])
        if "userinfo" not in token:
            raise LoginFailed("token_invalid", claim="id_token")
        userinfo = dict(app.userinfo(token=token))
    except LoginFailed:
        raise
    except MismatchingStateError as exc:
        raise LoginFailed("state") from exc
    except OAuthError as exc:
        raise LoginFailed("provider_error", error=str(exc.error or "unbekannt")[:60]) from exc
    except jose_errors.BadSignatureError as exc:
        raise LoginFailed("signature") from exc
    except jose_errors.ExpiredTokenError as exc:
        raise LoginFailed("expired") from exc
    except jose_errors.MissingClaimError as exc:
        if exc.claim in ("azp", "aud", "iss", "nonce", "at_hash"):
            # A token for another client (authlib then asks for azp) or without our nonce.
            raise LoginFailed("token_invalid", claim=str(exc.claim)) from exc
        raise LoginFailed("claims_missing", claims=str(exc.claim)) from exc
    except jose_errors.InvalidClaimError as exc:
        raise LoginFailed("token_invalid", claim=str(exc.claim)) from exc
    except jose_errors.JoseError as exc:
        raise LoginFailed("signature") from exc
    except (requests.RequestException, ValueError, KeyError) as exc:
        logger.warning("identity provider call failed: %s", exc.__class__.__name__)
        raise LoginFailed("unavailable") from exc
    id_claims = dict(token["userinfo"])
    if userinfo.get("sub") != id_claims.get("sub"):
        raise LoginFailed("token_invalid", claim="sub")
    return identity_from_claims(
        {**userinfo, **id_claims},
        issuer=str(id_claims.get("iss", "")),
        id_token=str(token.get("id_token", "")),
    )


def identity_from_claims(
    claims: dict[str, Any], *, issuer: str, id_token: str = ""
) -> ProviderIdentity:
    """Map checked claims onto a ProviderIdentity; a verified level needs every identity claim
    and a valid AHV number and date of birth."""
    acr = str(claims.get("acr") or "")
    level = provider_config()["level_by_acr"].get(acr)
    if level is None:
        raise LoginFailed("claims_invalid", claims=f"acr={acr or '–'}")
    subject = str(claims.get("sub") or "")
    if not subject:
        raise LoginFailed("claims_missing", claims="sub")
    values = {
        name: str(_claim(claims, name) or "").strip()
        for name in ("first_name", "last_name", "date_of_birth", "ahv_number", "email")
    }
    email_verified = _claim(claims, "email_verified") in (True, "true", "True")
    if level_is_verified(level):
        missing = [
            name
            for name in ("first_name", "last_name", "date_of_birth", "ahv_number")
            if not values[name]
        ]
        if missing:
            raise LoginFailed("claims_missing", claims=", ".join(missing))
        try:
            values["ahv_number"] = ahv_normalize(values["ahv_number"])
            validate_ahv_number(values["ahv_number"])
            values["date_of_birth"] = dt.date.fromisoformat(values["date_of_birth"]).isoformat()
        except (ValidationError, ValueError) as exc:
            raise LoginFailed("claims_invalid", claims="ahv_number, date_of_birth") from exc
    else:
        # Below "verified" the provider does not vouch for these: they are never used as such.
        values["date_of_birth"] = values["ahv_number"] = ""
    return ProviderIdentity(
        subject=subject,
        issuer=issuer,
        level=level,
        acr=acr,
        email=values["email"].lower() if email_verified else "",
        email_verified=email_verified,
        id_token=id_token,
        **{k: values[k] for k in ("first_name", "last_name", "date_of_birth", "ahv_number")},
    )


def logout_url(*, id_token: str, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session URL (RP-initiated logout), or None if it cannot be had."""
    app = provider_app()
    try:
        metadata = _metadata(app)
    except LoginFailed:
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    result = app.create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri,
        id_token_hint=id_token or None,
        client_id=app.client_id,
    )
    return result["url"]
