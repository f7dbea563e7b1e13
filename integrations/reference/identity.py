"""Reference identity provider: a stand-in for AGOV (with the e-ID) speaking real OpenID Connect.

Built on ``pyop`` (IdentityPython's OpenID Connect provider library, also behind SATOSA): it
parses and validates authentication requests, issues and exchanges authorization codes (with
PKCE), signs ID tokens, answers userinfo, publishes the discovery document and the JWKS, and
handles RP-initiated logout. pyop is framework-free, which fits the other reference servers
(plain WSGI, state in memory). authlib's server classes would have needed the same glue plus
our own storage of codes and tokens. What is ours: the people (``identity_people``), the login
page, the provider session for single sign-on, quality levels as ``acr``, PKCE required, the
redirect URIs of every commune host accepted by pattern, and the failure switches.

Failure switches (``POST /_control {"mode": ..., "count": N}``): ``down`` (every endpoint 503),
``bad_signature``, ``wrong_nonce``, ``wrong_audience``, ``wrong_issuer``, ``expired``,
``missing_claims`` (ID token and userinfo without names, birth date and AHV number),
``error500`` (token endpoint), ``ok``.
"""

from __future__ import annotations

import base64
import html
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from Cryptodome.PublicKey import RSA
from joserfc import jwt
from joserfc.jwk import RSAKey as JoseRSAKey
from jwkest.jwk import RSAKey
from oic.oic.message import EndSessionRequest
from pyop.authz_state import AuthorizationState
from pyop.exceptions import (
    BearerTokenError,
    InvalidAccessToken,
    InvalidAuthenticationRequest,
    InvalidAuthorizationCode,
    InvalidClientAuthentication,
    InvalidTokenRequest,
)
from pyop.provider import Provider
from pyop.subject_identifier import HashBasedSubjectIdentifierFactory
from pyop.userinfo import Userinfo

from integrations.reference import identity_people
from integrations.reference.population import DEFAULT_SEED, LUZERN

ACR = {
    "email": "urn:reference-idp:qoa:email",
    "verified": "urn:reference-idp:qoa:verified",
    "eid": "urn:reference-idp:qoa:eid",
}
LEVEL_OF_ACR = {acr: level for level, acr in ACR.items()}
RANK = {"email": 1, "verified": 2, "eid": 3}
LEVEL_LABELS = {
    "email": "nur E-Mail-Adresse",
    "verified": "Identität geprüft (Ausweis)",
    "eid": "E-ID",
}
MODES = (
    "ok",
    "down",
    "bad_signature",
    "wrong_nonce",
    "wrong_audience",
    "wrong_issuer",
    "expired",
    "missing_claims",
    "error500",
)
DEFAULT_REDIRECT_PATTERN = (
    r"^https?://(localhost|127\.0\.0\.1|[a-z0-9-]+(\.[a-z0-9-]+)*\.localhost)(:\d+)?/"
)
SESSION_COOKIE = "refidp_session"
SESSION_SECONDS = 8 * 3600
IDENTITY_CLAIMS = ("given_name", "family_name", "birthdate", "ahvn13")


class _People(dict):
    """pyop's userinfo database: the claims of a person at the level of their latest login."""

    def __init__(self, provider: IdentityProvider) -> None:
        super().__init__()
        self._provider = provider

    def __missing__(self, ahv: str) -> dict:
        person = identity_people.identity_person(ahv, seed=self._provider.seed)
        if person is None:
            raise KeyError(ahv)
        level = self._provider.levels.get(person["ahv"], person["level"])
        claims = {
            "sub": person["sub"],
            "given_name": person["given_name"],
            "family_name": person["family_name"],
            "email": person["email"],
            "email_verified": True,
        }
        if RANK[level] >= RANK["verified"]:
            claims.update(birthdate=person["birthdate"], ahvn13=person["ahv"])
        if self._provider.active_mode("missing_claims"):
            for name in IDENTITY_CLAIMS:
                claims.pop(name, None)
        return claims

    def __contains__(self, ahv: object) -> bool:
        return identity_people.identity_person(str(ahv), seed=self._provider.seed) is not None


def _provider_configuration(issuer: str) -> dict:
    """pyop's provider configuration (the discovery document) for ``issuer``."""
    return {
        # oic's configuration check insists on https; on loopback the provider speaks plain
        # http, so the real issuer is put in right after pyop's check (IdentityProvider).
        "issuer": "https://reference-idp.invalid",
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "end_session_endpoint": f"{issuer}/logout",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "email"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "grant_types_supported": ["authorization_code"],
        "claims_supported": [
            "sub",
            "given_name",
            "family_name",
            "birthdate",
            "email",
            "email_verified",
            "ahvn13",
            "acr",
        ],
    }


class IdentityProvider:
    """The provider's state: pyop, sessions, failure mode; one instance per process."""

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        seed: str = DEFAULT_SEED,
        redirect_pattern: str = DEFAULT_REDIRECT_PATTERN,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.seed = seed
        self.client_id = client_id
        self.redirect_pattern = re.compile(redirect_pattern)
        self.lock = threading.Lock()
        self.mode, self.remaining = "ok", 0
        self.counters = {"authorize": 0, "token": 0, "userinfo": 0}
        self.sessions: dict[str, dict] = {}
        self.levels: dict[str, str] = {}  # AHV → level of the latest login
        self.code_claims: dict[str, dict] = {}  # code → acr, auth_time
        kid = secrets.token_hex(4)
        rsa = RSA.generate(2048)
        self._jose_key = JoseRSAKey.import_key(rsa.export_key().decode(), {"kid": kid})
        self._wrong_key = JoseRSAKey.generate_key(2048, {"kid": kid})
        self.clients = {
            client_id: {
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uris": [],
                "post_logout_redirect_uris": [],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_basic",
            }
        }
        configuration = _provider_configuration(self.issuer)
        self.provider = Provider(
            RSAKey(key=rsa, alg="RS256", kid=kid),
            configuration,
            AuthorizationState(
                HashBasedSubjectIdentifierFactory(seed), authorization_code_lifetime=120
            ),
            self.clients,
            Userinfo(_People(self)),
            id_token_lifetime=300,
            extra_scopes={"ahv": ["ahvn13"]},
        )
        self.provider.configuration_information["issuer"] = self.issuer

    # --- failure switches -----------------------------------------------------------------------

    def control(self, mode: str, count: int | None) -> dict:
        with self.lock:
            self.mode = mode
            self.remaining = count or 0
        return self.state()

    def state(self) -> dict:
        return {"mode": self.mode, "remaining": self.remaining, **self.counters}

    def active_mode(self, mode: str) -> bool:
        return self.mode == mode

    def take(self, modes: Iterable[str]) -> str | None:
        """The current failure mode if it is one of ``modes`` (a counted mode is used up)."""
        with self.lock:
            if self.mode not in modes:
                return None
            mode = self.mode
            if self.remaining:
                self.remaining -= 1
                if self.remaining == 0:
                    self.mode = "ok"
            return mode

    # --- protocol helpers -----------------------------------------------------------------------

    def accept_redirect(self, uri: str) -> bool:
        """Accept a commune host's callback by pattern (registered on first use)."""
        if not uri or not self.redirect_pattern.match(uri) or not uri.endswith("/oidc/callback/"):
            return False
        client = self.clients[self.client_id]
        if uri not in client["redirect_uris"]:
            client["redirect_uris"].append(uri)
        return True

    def discovery(self) -> dict:
        document = self.provider.provider_configuration.to_dict()
        document.update(
            scopes_supported=["openid", "profile", "email", "ahv"],
            code_challenge_methods_supported=["S256"],
            acr_values_supported=list(ACR.values()),
        )
        return document

    def tamper(self, token_response: dict) -> dict:
        """Apply a token-side failure switch to the ID token (re-signed)."""
        mode = self.take(
            ("bad_signature", "wrong_nonce", "wrong_audience", "wrong_issuer", "expired")
        )
        if mode is None or "id_token" not in token_response:
            return token_response
        payload = token_response["id_token"].split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        key = self._jose_key
        if mode == "bad_signature":
            key = self._wrong_key
        elif mode == "wrong_nonce":
            claims["nonce"] = "falsche-nonce"
        elif mode == "wrong_audience":
            claims["aud"] = "ein-anderes-portal"
        elif mode == "wrong_issuer":
            claims["iss"] = "https://falscher-aussteller.example"
        elif mode == "expired":
            claims["iat"] = int(time.time()) - 7200
            claims["exp"] = int(time.time()) - 3600
        header = {"alg": "RS256", "kid": key.kid}
        return {**token_response, "id_token": jwt.encode(header, claims, key)}


# --- WSGI ---------------------------------------------------------------------------------------

Start = Callable[[str, list[tuple[str, str]]], object]


def _reply(start: Start, status: str, body: bytes, content_type: str, extra=()) -> list[bytes]:
    headers = [("Content-Type", content_type), ("Cache-Control", "no-store"), *extra]
    start(status, headers)
    return [body]


def _json(start: Start, status: str, data, extra=()) -> list[bytes]:
    return _reply(start, status, json.dumps(data).encode(), "application/json", extra)


def _redirect(start: Start, url: str, extra=()) -> list[bytes]:
    return _reply(start, "302 Found", b"", "text/plain", [("Location", url), *extra])


def _page(start: Start, status: str, title: str, body: str, extra=()) -> list[bytes]:
    document = (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} – Referenz-Login-Dienst</title>"
        "<style>body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}"
        "label{display:block;margin-top:1rem;font-weight:bold}select,input,button"
        "{font-size:1rem;min-height:44px;margin-top:.25rem}button{margin-right:1rem}"
        ".hint{color:#444}</style></head><body><main>"
        f"<h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    return _reply(start, status, document.encode(), "text/html; charset=utf-8", extra)


def _level_of(acr_values: str | list[str] | None) -> str | None:
    values = acr_values.split() if isinstance(acr_values, str) else list(acr_values or [])
    levels = [LEVEL_OF_ACR[a] for a in values if a in LEVEL_OF_ACR]
    return max(levels, key=RANK.get) if levels else None


class IdentityApp:
    """WSGI application of the reference provider."""

    def __init__(self, idp: IdentityProvider) -> None:
        self.idp = idp

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "/")
        query = environ.get("QUERY_STRING", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode() if length else ""
        if path == "/health":
            return _json(start_response, "200 OK", {"status": "ok"})
        if path == "/_control":
            return self.control(start_response, method, body)
        if self.idp.active_mode("down"):
            if path == "/authorize":
                return _page(
                    start_response,
                    "503 Service Unavailable",
                    "Dienst nicht verfügbar",
                    "<p>Der Login-Dienst ist zurzeit nicht verfügbar. Bitte später erneut versuchen.</p>",
                )
            return _json(
                start_response, "503 Service Unavailable", {"error": "temporarily_unavailable"}
            )
        headers = {"Authorization": environ.get("HTTP_AUTHORIZATION", "")}
        cookies = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        session_id = cookies[SESSION_COOKIE].value if SESSION_COOKIE in cookies else ""
        if path == "/.well-known/openid-configuration":
            return _json(start_response, "200 OK", self.idp.discovery())
        if path == "/jwks":
            return _json(start_response, "200 OK", self.idp.provider.jwks)
        if path == "/authorize" and method == "GET":
            return self.authorize(start_response, query, session_id)
        if path == "/authorize" and method == "POST":
            return self.login_form(start_response, body)
        if path == "/token" and method == "POST":
            return self.token(start_response, body, headers)
        if path == "/userinfo":
            return self.userinfo(start_response, body or query, headers)
        if path == "/logout":
            return self.logout(start_response, query or body, session_id)
        return _json(start_response, "404 Not Found", {"error": "not_found"})

    # --- endpoints ------------------------------------------------------------------------------

    def control(self, start, method: str, body: str):
        if method == "POST":
            try:
                data = json.loads(body or "{}")
            except ValueError:
                return _json(start, "400 Bad Request", {"error": "invalid_json"})
            mode = data.get("mode", "ok")
            if mode not in MODES:
                return _json(start, "400 Bad Request", {"error": "unknown_mode", "modes": MODES})
            return _json(start, "200 OK", self.idp.control(mode, data.get("count")))
        return _json(start, "200 OK", self.idp.state())

    def _parse(self, start, query: str):
        """The validated authentication request, or a response (error page / error redirect)."""
        params = dict(parse_qsl(query))
        if params.get("client_id") != self.idp.client_id or not self.idp.accept_redirect(
            params.get("redirect_uri", "")
        ):
            return None, _page(
                start,
                "400 Bad Request",
                "Ungültige Anfrage",
                "<p>Unbekannte Anwendung oder nicht zugelassene Rücksprungadresse. "
                "Es wird nicht weitergeleitet.</p>",
            )
        try:
            request = self.idp.provider.parse_authentication_request(query)
        except InvalidAuthenticationRequest as exc:
            url = exc.to_error_url()
            if url is None:
                return None, _page(
                    start, "400 Bad Request", "Ungültige Anfrage", f"<p>{html.escape(str(exc))}</p>"
                )
            return None, _redirect(start, url)
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            error = {"error": "invalid_request", "error_description": "PKCE (S256) required"}
            if "state" in params:
                error["state"] = params["state"]
            return None, _redirect(start, f"{params['redirect_uri']}?{urlencode(error)}")
        return request, None

    def authorize(self, start, query: str, session_id: str):
        with self.idp.lock:
            self.idp.counters["authorize"] += 1
        request, failure = self._parse(start, query)
        if failure is not None:
            return failure
        wanted = _level_of(request.get("acr_values", ""))
        hint = request.get("login_hint", "")
        if hint:
            person = identity_people.identity_person(hint, seed=self.idp.seed)
            if person is None:
                return self._login_page(start, query, error="Diese AHV-Nummer ist unbekannt.")
            level = wanted if wanted and RANK[wanted] <= RANK[person["level"]] else person["level"]
            return self._complete(start, request, person, level)
        session = self.idp.sessions.get(session_id)
        if (
            session
            and session["until"] > time.time()
            and request.get("prompt") != "login"
            and (wanted is None or RANK[session["level"]] >= RANK[wanted])
        ):
            person = identity_people.identity_person(session["ahv"], seed=self.idp.seed)
            return self._complete(start, request, person, session["level"], session_id)
        return self._login_page(start, query, wanted=wanted)

    def login_form(self, start, body: str):
        form = dict(parse_qsl(body))
        query = form.get("request", "")
        request, failure = self._parse(start, query)
        if failure is not None:
            return failure
        if form.get("action") == "cancel":
            error = {"error": "access_denied"}
            if "state" in request:
                error["state"] = request["state"]
            return _redirect(start, f"{request['redirect_uri']}?{urlencode(error)}")
        commune = int(form["commune"]) if form.get("commune", "").isdigit() else None
        if form.get("action") == "show":
            return self._login_page(start, query, commune=commune)
        ahv = form.get("ahv", "").strip() or form.get("person", "")
        person = identity_people.identity_person(ahv, seed=self.idp.seed)
        if person is None:
            return self._login_page(
                start,
                query,
                commune=commune,
                error="Bitte wählen Sie eine Person oder geben Sie eine bekannte AHV-Nummer ein.",
            )
        level = form.get("level") or person["level"]
        if level not in RANK or RANK[level] > RANK[person["level"]]:
            level = person["level"]
        return self._complete(start, request, person, level)

    def _complete(self, start, request, person: dict, level: str, session_id: str = ""):
        now = int(time.time())
        extra = ()
        if not session_id or session_id not in self.idp.sessions:
            session_id = secrets.token_urlsafe(24)
        self.idp.sessions[session_id] = {
            "ahv": person["ahv"],
            "level": level,
            "auth_time": now,
            "until": now + SESSION_SECONDS,
        }
        extra = [("Set-Cookie", f"{SESSION_COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax")]
        self.idp.levels[person["ahv"]] = level
        response = self.idp.provider.authorize(request, person["ahv"])
        self.idp.code_claims[response["code"]] = {"acr": ACR[level], "auth_time": now}
        return _redirect(start, response.request(request["redirect_uri"]), extra)

    def token(self, start, body: str, headers: dict):
        with self.idp.lock:
            self.idp.counters["token"] += 1
        if self.idp.take(("error500",)):
            return _json(start, "500 Internal Server Error", {"error": "server_error"})
        code = dict(parse_qsl(body)).get("code", "")
        claims = self.idp.code_claims.get(code, {})
        try:
            response = self.idp.provider.handle_token_request(body, headers, claims)
        except InvalidClientAuthentication as exc:
            return _json(start, "401 Unauthorized", {"error": exc.oauth_error or "invalid_client"})
        except (InvalidTokenRequest, InvalidAuthorizationCode) as exc:
            error = getattr(exc, "oauth_error", None) or "invalid_grant"
            return _json(start, "400 Bad Request", {"error": error, "error_description": str(exc)})
        self.idp.code_claims.pop(code, None)
        return _json(start, "200 OK", self.idp.tamper(response.to_dict()))

    def userinfo(self, start, request: str, headers: dict):
        with self.idp.lock:
            self.idp.counters["userinfo"] += 1
        try:
            claims = self.idp.provider.handle_userinfo_request(request, headers)
        except (BearerTokenError, InvalidAccessToken) as exc:
            return _json(
                start,
                "401 Unauthorized",
                {"error": "invalid_token", "error_description": str(exc)},
                [("WWW-Authenticate", 'Bearer error="invalid_token"')],
            )
        return _json(start, "200 OK", claims.to_dict())

    def logout(self, start, query: str, session_id: str):
        self.idp.sessions.pop(session_id, None)
        gone = [("Set-Cookie", f"{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")]
        params = dict(parse_qsl(query))
        target = params.get("post_logout_redirect_uri", "")
        if target and self.idp.redirect_pattern.match(target):
            client = self.idp.clients[self.idp.client_id]
            if target not in client["post_logout_redirect_uris"]:
                client["post_logout_redirect_uris"].append(target)
            try:
                url = self.idp.provider.do_post_logout_redirect(
                    EndSessionRequest().from_dict(params)
                )
            except Exception:
                url = None
            if url:
                return _redirect(start, url, gone)
        return _page(
            start, "200 OK", "Abgemeldet", "<p>Sie sind beim Login-Dienst abgemeldet.</p>", gone
        )

    # --- login page -----------------------------------------------------------------------------

    def _login_page(
        self,
        start,
        query: str,
        *,
        wanted: str | None = None,
        commune: int | None = None,
        error: str = "",
    ):
        wanted = wanted or _level_of(dict(parse_qsl(query)).get("acr_values", ""))
        communes = "".join(
            f'<option value="{bfs}"{" selected" if bfs == commune else ""}>{html.escape(name)}</option>'
            for bfs, (name, _postcode) in sorted(LUZERN.items(), key=lambda item: item[1][0])
        )
        people = ""
        if commune in LUZERN:
            options = "".join(
                f'<li><label style="font-weight:normal"><input type="radio" name="person" '
                f'value="{p["ahv"]}"> {html.escape(p["given_name"])} {html.escape(p["family_name"])}'
                f" ({p['birthdate']}, {p['ahv']}, höchstens: {LEVEL_LABELS[p['level']]})</label></li>"
                for p in identity_people.sample(commune, seed=self.idp.seed)
            )
            people = f"<fieldset><legend>Person in {html.escape(LUZERN[commune][0])}</legend><ul>{options}</ul></fieldset>"
        levels = "".join(
            f'<option value="{level}"{" selected" if level == wanted else ""}>{label}</option>'
            for level, label in LEVEL_LABELS.items()
        )
        message = f'<p role="alert"><strong>{html.escape(error)}</strong></p>' if error else ""
        ask = (
            f"<p>Die Anwendung verlangt mindestens: <strong>{LEVEL_LABELS[wanted]}</strong>.</p>"
            if wanted
            else ""
        )
        body = f"""{message}
<p class="hint">Nur für Entwicklung und Tests: wählen Sie eine synthetische Person aus dem
Referenz-Einwohnerregister oder geben Sie eine AHV-Nummer ein.</p>{ask}
<form method="post" action="/authorize">
<input type="hidden" name="request" value="{html.escape(query)}">
<label for="commune">Gemeinde</label>
<select id="commune" name="commune"><option value="">– wählen –</option>{communes}</select>
<button type="submit" name="action" value="show">Personen anzeigen</button>
{people}
<label for="ahv">oder AHV-Nummer</label>
<input id="ahv" name="ahv" inputmode="numeric" autocomplete="off" placeholder="756.XXXX.XXXX.XX">
<label for="level">Qualität der Anmeldung (höchstens die der Person)</label>
<select id="level" name="level">{levels}</select>
<p><button type="submit" name="action" value="login">Anmelden</button>
<button type="submit" name="action" value="cancel">Abbrechen</button></p>
</form>"""
        return _page(start, "200 OK", "Referenz-Login-Dienst (nur Entwicklung)", body)


def create_app(
    *,
    issuer: str,
    client_id: str,
    client_secret: str,
    seed: str = DEFAULT_SEED,
    redirect_pattern: str = DEFAULT_REDIRECT_PATTERN,
) -> IdentityApp:
    return IdentityApp(
        IdentityProvider(
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            seed=seed,
            redirect_pattern=redirect_pattern,
        )
    )
