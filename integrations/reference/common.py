"""A minimal WSGI toolkit for the reference registers: routing, JSON, API keys, failure
injection (``/_control``) and idempotency keys. Standard library only.

Failure injection: ``POST /_control {"mode": "timeout"|"error500"|"error429"|"malformed"|"ok",
"count": N, "delay": seconds, "path_prefix": "/communes/1059/"}`` makes the next N API calls
(optionally only those under ``path_prefix``) fail that way (``/health`` and ``/_control`` are
never affected; the control endpoint needs no key: loopback stand-ins only). ``GET /_control`` returns the mode and counters
(``calls``, ``effects``: how many state changes happened) so tests can assert "exactly once".

Idempotency: a POST with an ``Idempotency-Key`` header is processed once; a repeat with the same
key and path gets the stored answer again (status, body), with ``Idempotent-Replayed: true``.
The same key with a different body is refused (422). Lookup, processing and storing happen under
one lock, so a retry that races the original cannot apply twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus

FAILURE_MODES = {"ok", "timeout", "error500", "error429", "malformed"}
DEV_COMMUNE_KEY_SECRET = "dev-reference-commune-keys"  # noqa: S105 - loopback stand-ins only
_COMMUNE_KEY = re.compile(r"ref-(?P<register>[a-z]+)-(?P<bfs>\d{1,4})-(?P<mac>[0-9a-f]{24})")
_COMMUNE_PATH = re.compile(r"/communes/(?P<bfs>\d{1,4})/")


def commune_api_key(*, register: str, bfs_number: int, secret: str = DEV_COMMUNE_KEY_SECRET) -> str:
    """The per-commune API key a reference register accepts (besides its shared key): distinct
    for every commune and register, derived from ``secret`` (``--commune-key-secret``). On the
    resident register it opens only its own commune's paths."""
    mac = hmac.new(secret.encode(), f"{register}:{bfs_number}".encode(), hashlib.sha256)
    return f"ref-{register}-{bfs_number}-{mac.hexdigest()[:24]}"


def commune_key_bfs(key: str) -> int | None:
    """The BFS number a key in the form of ``commune_api_key`` names (not verified), else
    ``None`` – for the record of who called, never for authorization."""
    match = _COMMUNE_KEY.fullmatch(key)
    return int(match["bfs"]) if match else None


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    query: str = ""  # the raw query string

    def json(self) -> dict:
        data = json.loads(self.body or b"{}")
        if not isinstance(data, dict):
            raise ValueError("JSON object expected")
        return data


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, data) -> Response:
    return Response(status, json.dumps(data, ensure_ascii=False).encode())


def error(status: int, code: str, message: str) -> Response:
    return json_response(status, {"error": code, "message": message})


Handler = Callable[..., Response]


class App:
    """A WSGI app with routes ``(method, regex, handler, effect)``.

    ``malformed_body`` is what the "malformed" failure mode answers with HTTP 200.
    """

    def __init__(self, *, api_key: str, malformed_body: bytes, malformed_type: str):
        self.api_key = api_key
        # (register name, secret): also accept ``commune_api_key`` keys (see ``authorized``).
        self.commune_keys: tuple[str, str] | None = None
        self.routes: list[tuple[str, re.Pattern, Handler]] = []
        self.lock = threading.RLock()
        self.malformed = (malformed_body, malformed_type)
        self.mode = "ok"
        self.mode_count = 0
        self.delay = 5.0
        self.path_prefix = "/"
        self.calls = 0
        self.effects = 0
        self._replies: dict[tuple[str, str], tuple[str, Response]] = {}
        # More state for ``GET /_control`` (e.g. the resident register's last reads).
        self.control_state: Callable[[], dict] | None = None

    def route(self, method: str, pattern: str):
        def decorate(handler: Handler) -> Handler:
            self.routes.append((method, re.compile(f"^{pattern}$"), handler))
            return handler

        return decorate

    def effect(self) -> None:
        """Handlers call this once per state change (counted for tests)."""
        self.effects += 1

    # --- WSGI ---------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = self._request(environ)
        try:
            response = self.dispatch(request)
        except Exception as exc:  # a bug in a handler: answer like a real server would
            response = error(500, "internal_error", f"{type(exc).__name__}: {exc}")
        headers = [("Content-Type", response.content_type), *response.headers.items()]
        headers.append(("Content-Length", str(len(response.body))))
        status = f"{response.status} {HTTPStatus(response.status).phrase}"
        start_response(status, headers)
        return [response.body]

    @staticmethod
    def _request(environ) -> Request:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        return Request(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", "/"),
            headers,
            body,
            environ.get("QUERY_STRING", ""),
        )

    def dispatch(self, request: Request) -> Response:
        if request.path == "/health":
            return json_response(200, {"status": "ok"})
        if request.path == "/_control":
            return self._control(request)
        if not self.authorized(request):
            return error(401, "unauthorized", "API-Schlüssel fehlt oder ist falsch.")
        found = self._resolve(request)
        if found is None:
            return error(404, "no_route", f"{request.method} {request.path} gibt es nicht.")
        handler, params = found
        failure = self._take_failure(request.path)
        if failure == "timeout":
            time.sleep(self.delay)  # then go on: the effect happens, the answer comes too late
        elif failure == "error500":
            return error(500, "injected_error", "Interner Fehler (simuliert).")
        elif failure == "error429":
            return Response(429, b'{"error": "rate_limited"}', headers={"Retry-After": "1"})
        elif failure == "malformed":
            return Response(200, self.malformed[0], self.malformed[1])
        return self._idempotent(request, lambda: handler(request, **params))

    def authorized(self, request: Request) -> bool:
        """The shared key, or a commune's own key on that commune's paths."""
        given = request.headers.get("authorization", "")
        if hmac.compare_digest(given, f"Bearer {self.api_key}"):
            return True
        match = _COMMUNE_KEY.fullmatch(given.removeprefix("Bearer "))
        if self.commune_keys is None or match is None:
            return False
        register, secret = self.commune_keys
        bfs = int(match["bfs"])
        expected = commune_api_key(register=register, bfs_number=bfs, secret=secret)
        path = _COMMUNE_PATH.match(request.path)
        return hmac.compare_digest(given, f"Bearer {expected}") and (
            path is None or int(path["bfs"]) == bfs
        )

    def _resolve(self, request: Request) -> tuple[Handler, dict[str, str]] | None:
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                return handler, match.groupdict()
        return None

    def _take_failure(self, path: str) -> str:
        with self.lock:
            self.calls += 1
            if self.mode == "ok" or self.mode_count <= 0 or not path.startswith(self.path_prefix):
                return "ok"
            self.mode_count -= 1
            mode = self.mode
            if self.mode_count == 0:
                self.mode = "ok"
            return mode

    def _idempotent(self, request: Request, run: Callable[[], Response]) -> Response:
        key = request.headers.get("idempotency-key")
        if request.method != "POST" or not key:
            with self.lock:
                return run()
        fingerprint = hashlib.sha256(request.body).hexdigest()
        with self.lock:
            stored = self._replies.get((request.path, key))
            if stored is not None:
                if stored[0] != fingerprint:
                    return error(
                        422,
                        "idempotency_key_reused",
                        "Derselbe Idempotency-Key wurde mit anderem Inhalt verwendet.",
                    )
                replay = stored[1]
                return Response(
                    replay.status,
                    replay.body,
                    replay.content_type,
                    {**replay.headers, "Idempotent-Replayed": "true"},
                )
            response = run()
            if response.status < 500:
                self._replies[(request.path, key)] = (fingerprint, response)
            return response

    def _control(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                data = request.json()
                mode = data.get("mode", "ok")
                if mode not in FAILURE_MODES:
                    raise ValueError(f"mode must be one of {sorted(FAILURE_MODES)}")
                count = int(data.get("count", 1 if mode != "ok" else 0))
                delay = float(data.get("delay", self.delay))
                prefix = str(data.get("path_prefix") or "/")
            except (ValueError, TypeError) as exc:
                return error(400, "bad_control", str(exc))
            with self.lock:
                self.mode, self.mode_count, self.delay = mode, count, delay
                self.path_prefix = prefix
        with self.lock:
            return json_response(
                200,
                {
                    "mode": self.mode,
                    "count": self.mode_count,
                    "delay": self.delay,
                    "path_prefix": self.path_prefix,
                    "calls": self.calls,
                    "effects": self.effects,
                    **(self.control_state() if self.control_state else {}),
                },
            )
