"""Adapter base class and the two kinds of failure every adapter reports.

An adapter takes one plain dataclass and returns one (never a model), through a single method
``call(request, *, idempotency_key)``. It raises:

- ``TransientError`` when trying again later may succeed: network errors, timeouts, HTTP 5xx and
  429, and answers the register could not have meant (malformed bodies: a truncated or garbled
  answer is a transport fault; the idempotency key makes the retry safe). The process machine
  retries these with backoff.
- ``PermanentError`` when the same call will fail again: HTTP 4xx, a negative acknowledgement,
  bad input data, a refused credential. The process machine hands these to a clerk.

Both carry a German ``message`` (shown to clerks) and a machine ``code``.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx


class IntegrationError(Exception):
    """Base of adapter failures: ``message`` (German), ``code`` (machine), ``details``."""

    transient: ClassVar[bool] = False

    def __init__(self, message: str, *, code: str, details: Mapping[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = dict(details or {})

    def __reduce__(self):
        # Keyword-only arguments: rebuild explicitly so the error survives pickling (job results).
        return (_rebuild_error, (type(self), self.message, self.code, self.details))

    def as_dict(self) -> dict[str, Any]:
        """Plain data for a step's ``last_error`` (JSON-serialisable)."""
        return {
            "transient": self.transient,
            "code": self.code,
            "message": self.message,
            "details": self.details,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


def _rebuild_error(cls, message, code, details):
    return cls(message, code=code, details=details)


class TransientError(IntegrationError):
    """Retry later: network error, timeout, HTTP 5xx/429, malformed answer."""

    transient = True


class PermanentError(IntegrationError):
    """Retrying will not help: HTTP 4xx, negative acknowledgement, bad data."""


class Adapter(abc.ABC):
    """One operation against one external system.

    Subclasses set ``config_name`` (their block in ``settings.INTEGRATIONS``) and
    ``required_settings`` (keys that must be non-empty), are registered with
    ``@register("<key>")`` and implement ``call``. ``key`` is set by ``register``.
    """

    key: ClassVar[str] = ""
    config_name: ClassVar[str] = ""
    required_settings: ClassVar[tuple[str, ...]] = ()
    url_settings: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *, config: Mapping[str, Any] | None = None):
        self.config = dict(config or {})

    @abc.abstractmethod
    def call(self, request: Any, *, idempotency_key: str) -> Any:
        """Perform the operation once; the same ``idempotency_key`` never has a second effect."""

    @classmethod
    def check_configuration(cls, config: Mapping[str, Any]) -> list[str]:
        """German descriptions of what is wrong with ``config`` (empty when fine)."""
        problems = [
            f"Einstellung «{name}» fehlt."
            for name in cls.required_settings
            if not str(config.get(name) or "").strip()
        ]
        for name in cls.url_settings:
            value = str(config.get(name) or "")
            parts = urlsplit(value)
            if value and (parts.scheme not in ("http", "https") or not parts.netloc):
                problems.append(f"Einstellung «{name}» ist keine gültige http(s)-URL: {value!r}.")
        return problems

    def close(self) -> None:  # noqa: B027 - optional hook, most adapters hold nothing
        """Release resources (connections)."""

    def warm_up(self) -> None:  # noqa: B027 - optional hook
        """Do expensive one-time preparation now (a worker calls this at start)."""


class HttpAdapter(Adapter):
    """An adapter speaking HTTP to ``config["url"]`` with ``config["api_key"]`` as bearer token.

    Every request has an explicit timeout (``config["timeout"]`` seconds, default 5; connecting
    at most 2 s) and sends the idempotency key as ``Idempotency-Key``. Connections are pooled
    per adapter instance (the registry keeps one instance per key).
    """

    required_settings = ("url", "api_key")
    url_settings = ("url",)
    # A read that needs the credentials but changes nothing ("Verbindung testen"); ``{bfs}``
    # is the commune's BFS number. 404 counts as reached: the key was accepted.
    probe_path: ClassVar[str] = "/health"

    def __init__(
        self,
        *,
        config: Mapping[str, Any] | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        super().__init__(config=config)
        self._transport = transport  # tests replay recorded answers through httpx.MockTransport
        seconds = float(self.config.get("timeout", 5.0))
        self.timeout = httpx.Timeout(seconds, connect=min(seconds, 2.0))
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()

    @property
    def client(self) -> httpx.Client:
        with self._client_lock:
            if self._client is None:
                self._client = httpx.Client(
                    base_url=str(self.config["url"]).rstrip("/"),
                    timeout=self.timeout,
                    headers={"Authorization": f"Bearer {self.config['api_key']}"},
                    transport=self._transport,
                )
            return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotency_key: str,
        json: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> httpx.Response:
        """Send one request; transport faults, 5xx and 429 become ``TransientError``, 401/403
        ``PermanentError``. Other answers are returned for the adapter to interpret."""
        headers = {"Idempotency-Key": idempotency_key}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            response = self.client.request(
                method, path, json=json, content=content, headers=headers, timeout=self.timeout
            )
        except httpx.TimeoutException as exc:
            raise TransientError(
                "Das Register hat nicht rechtzeitig geantwortet.",
                code="timeout",
                details={"url": path, "error": type(exc).__name__},
            ) from exc
        except httpx.TransportError as exc:
            raise TransientError(
                "Das Register ist nicht erreichbar.",
                code="network_error",
                details={"url": path, "error": f"{type(exc).__name__}: {exc}"},
            ) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(
                f"Das Register meldet einen vorübergehenden Fehler (HTTP {response.status_code}).",
                code=f"http_{response.status_code}",
                details={"url": path, "body": response.text[:500]},
            )
        if response.status_code in (401, 403):
            raise PermanentError(
                "Das Register hat den Zugang verweigert (API-Schlüssel prüfen).",
                code="unauthorized",
                details={"url": path, "status": response.status_code},
            )
        return response

    def probe(self, *, bfs_number: int) -> str:
        """Reach the endpoint with the configured credentials; a German sentence when it
        answers, ``TransientError`` (unreachable, 5xx) or ``PermanentError`` (key refused)."""
        path = self.probe_path.format(bfs=bfs_number)
        response = self.request("GET", path, idempotency_key="probe")
        if response.status_code >= 400 and response.status_code != 404:
            raise PermanentError(
                f"Der Endpunkt antwortet mit HTTP {response.status_code}.",
                code=f"http_{response.status_code}",
            )
        return f"Erreichbar, Zugang angenommen (HTTP {response.status_code})."

    @staticmethod
    def json_body(response: httpx.Response) -> dict[str, Any]:
        """The JSON object of an answer, or ``TransientError`` (malformed answer)."""
        try:
            data = response.json()
        except ValueError as exc:
            raise TransientError(
                "Das Register hat eine unlesbare Antwort geschickt.",
                code="malformed_response",
                details={"status": response.status_code, "body": response.text[:500]},
            ) from exc
        if not isinstance(data, dict):
            raise TransientError(
                "Das Register hat eine unlesbare Antwort geschickt.",
                code="malformed_response",
                details={"status": response.status_code, "body": response.text[:500]},
            )
        return data
