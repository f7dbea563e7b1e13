"""The reference payment provider (Datatrans-like): hosted payment page, signed server-to-server
notification, status query, refund.

API (``Authorization: Bearer <api key>``, JSON, amounts in Rappen):

- ``POST /v1/transactions`` ``{"refno", "amount", "currency", "redirect": {"successUrl",
  "cancelUrl", "errorUrl"}, "webhook": {"url"}}`` → 201 ``{"transactionId"}`` (``Location``:
  the payment page). Idempotency-Key as in every reference register.
- ``GET /v1/transactions/<id>`` → 200 ``{"transactionId", "refno", "status", "amount",
  "currency", "changedAt", "refunded"}`` or 404 ``{"error": {"code": "TRANSACTION_NOT_FOUND"}}``.
- ``POST /v1/transactions/<id>/credit`` ``{"amount", "currency", "refno"}`` → 200
  ``{"transactionId"}`` of the credit; only a settled transaction, at most its amount.

Browser (no key): ``GET /v1/start/<id>`` is the payment page with three buttons
(Bezahlen / Abbrechen / Zahlung scheitern lassen); ``POST /v1/start/<id>/<outcome>`` sets the
state (settled / canceled / failed), sends the notification to the webhook URL and redirects to
the success / cancel / error URL with ``?datatransTrxId=<id>``.

Notification: ``POST <webhook url>`` with the transaction JSON and
``Datatrans-Signature: t=<ms>,s0=hex(HMAC-SHA256(bytes.fromhex(hmac_key), t + body))``.

Failure switches, besides ``/_control`` (error500, timeout = slow, malformed):
``POST /_payment_control {"notify": "ok"|"lost"|"bad_signature", "down": bool,
"notify_delay": seconds}``; ``GET /_payment_control`` lists the notifications sent (body,
signature, delivery result) so tests can deliver them to a portal without a live server,
and ``calls``: per keyed API call ``{"method", "path", "key"}`` (the bearer key it came with,
``merchant`` = the BFS number of a commune's own key, else ``""``) so tests see whose
configuration a call used. ``{"clear": true}`` empties both lists.
"""

from __future__ import annotations

import html
import itertools
import json
import threading
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx

from integrations.adapters.payment.signature import signature_make
from integrations.reference.common import (
    App,
    Request,
    Response,
    commune_key_bfs,
    error,
    json_response,
)

DEFAULT_HMAC_KEY = "6465762d7061796d656e742d686d61632d6b6579"  # "dev-payment-hmac-key"
OUTCOMES = {"success": ("settled", "successUrl"), "cancel": ("canceled", "cancelUrl")}
OUTCOMES["fail"] = ("failed", "errorUrl")


def _dt_error(status: int, code: str, message: str) -> Response:
    return json_response(status, {"error": {"code": code, "message": message}})


class PaymentProvider:
    """WSGI app: the browser pages and switches in front of the keyed API (``App``)."""

    def __init__(self, *, api_key: str, hmac_key: str):
        self.api = App(
            api_key=api_key, malformed_body=b'{"transactionId": ', malformed_type="application/json"
        )
        self.hmac_key = hmac_key
        self.transactions: dict[str, dict] = {}
        self.notifications: list[dict] = []
        self.calls: list[dict] = []
        self.switches = {"notify": "ok", "down": False, "notify_delay": 0.0}
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self._routes()

    @property
    def commune_keys(self) -> tuple[str, str] | None:
        """(register, secret) of the communes' own keys (``commune_api_key``), set by
        ``serve``: the keyed API accepts them besides the shared key."""
        return self.api.commune_keys

    @commune_keys.setter
    def commune_keys(self, value: tuple[str, str] | None) -> None:
        self.api.commune_keys = value

    # --- keyed API ---------------------------------------------------------------------------
    def _routes(self) -> None:
        api = self.api

        @api.route("POST", r"/v1/transactions")
        def init(request: Request) -> Response:
            try:
                data = request.json()
                amount, currency = int(data["amount"]), str(data["currency"])
                redirect, webhook = dict(data["redirect"]), dict(data.get("webhook") or {})
                urls = {k: str(redirect[k]) for k in ("successUrl", "cancelUrl", "errorUrl")}
                refno = str(data["refno"])
            except (KeyError, ValueError, TypeError) as exc:
                return _dt_error(400, "INVALID_PROPERTY", f"Ungültige Anfrage: {exc}")
            if amount <= 0 or currency != "CHF":
                return _dt_error(400, "INVALID_PROPERTY", "Betrag oder Währung ungültig.")
            transaction_id = f"{int(time.time())}{next(self._ids):06d}"
            with self.lock:
                self.transactions[transaction_id] = {
                    "transactionId": transaction_id,
                    "refno": refno,
                    "status": "initialized",
                    "amount": amount,
                    "currency": currency,
                    "changedAt": _now(),
                    "refunded": 0,
                    "urls": urls,
                    "webhook": str(webhook.get("url") or ""),
                }
            api.effect()
            response = json_response(201, {"transactionId": transaction_id})
            response.headers["Location"] = f"/v1/start/{transaction_id}"
            return response

        @api.route("GET", r"/v1/transactions/(?P<tid>\d+)")
        def status(request: Request, tid: str) -> Response:
            entry = self.transactions.get(tid)
            if entry is None:
                return _dt_error(404, "TRANSACTION_NOT_FOUND", "Transaktion unbekannt.")
            return json_response(200, _public(entry))

        @api.route("POST", r"/v1/transactions/(?P<tid>\d+)/credit")
        def credit(request: Request, tid: str) -> Response:
            entry = self.transactions.get(tid)
            if entry is None:
                return _dt_error(404, "TRANSACTION_NOT_FOUND", "Transaktion unbekannt.")
            try:
                amount = int(request.json()["amount"])
            except (KeyError, ValueError, TypeError) as exc:
                return _dt_error(400, "INVALID_PROPERTY", f"Ungültige Anfrage: {exc}")
            if entry["status"] not in ("settled", "transmitted"):
                return _dt_error(400, "INVALID_TRANSACTION_STATUS", "Nicht abgerechnet.")
            if amount <= 0 or entry["refunded"] + amount > entry["amount"]:
                return _dt_error(400, "INVALID_PROPERTY", "Betrag übersteigt die Zahlung.")
            with self.lock:
                entry["refunded"] += amount
            api.effect()
            return json_response(200, {"transactionId": f"{tid}-C{next(self._ids)}"})

    # --- browser pages and switches -----------------------------------------------------------
    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO", "/"), environ["REQUEST_METHOD"]
        if path == "/_payment_control":
            return self._send(start_response, self._control(App._request(environ)))
        if self.switches["down"] and path != "/health":
            return self._send(start_response, error(503, "down", "Dienst nicht verfügbar."))
        if path.startswith("/v1/start/"):
            parts = path.strip("/").split("/")
            if method == "GET" and len(parts) == 3:
                return self._send(start_response, self._page(parts[2]))
            if method == "POST" and len(parts) == 4:
                return self._send(start_response, self._finish(parts[2], parts[3]))
        if path.startswith("/v1/"):
            self._record_call(method, path, environ.get("HTTP_AUTHORIZATION", ""))
        return self.api(environ, start_response)

    def _record_call(self, method: str, path: str, authorization: str) -> None:
        key = authorization.removeprefix("Bearer ")
        bfs = commune_key_bfs(key)
        merchant = "" if bfs is None else str(bfs)
        with self.lock:
            self.calls.append({"method": method, "path": path, "key": key, "merchant": merchant})

    @staticmethod
    def _send(start_response, response: Response):
        headers = [("Content-Type", response.content_type), *response.headers.items()]
        headers.append(("Content-Length", str(len(response.body))))
        start_response(f"{response.status} X", headers)
        return [response.body]

    def _page(self, tid: str) -> Response:
        entry = self.transactions.get(tid)
        if entry is None or entry["status"] != "initialized":
            body = "<!doctype html><html lang='de'><title>Zahlung</title><h1>Zahlung unbekannt"
            return Response(404, (body + " oder abgeschlossen</h1></html>").encode(), "text/html")
        amount = f"CHF {entry['amount'] / 100:.2f}"
        buttons = "".join(
            f"<form method='post' action='/v1/start/{tid}/{o}'><button type='submit'>{label}"
            "</button></form>"
            for o, label in (
                ("success", "Bezahlen"),
                ("cancel", "Abbrechen"),
                ("fail", "Zahlung scheitern lassen"),
            )
        )
        page = (
            "<!doctype html><html lang='de'><head><meta charset='utf-8'>"
            "<title>Referenz-Zahlungsseite</title></head><body><main>"
            f"<h1>Referenz-Zahlungsseite</h1><p>Betrag: <strong>{html.escape(amount)}</strong>"
            f"</p><p>Referenz: {html.escape(entry['refno'])}</p>{buttons}</main></body></html>"
        )
        return Response(200, page.encode(), "text/html; charset=utf-8")

    def _finish(self, tid: str, outcome: str) -> Response:
        entry = self.transactions.get(tid)
        if entry is None or outcome not in OUTCOMES:
            return Response(404, b"unknown", "text/plain")
        status, url_key = OUTCOMES[outcome]
        with self.lock:
            if entry["status"] == "initialized":
                entry["status"], entry["changedAt"] = status, _now()
                self.api.effect()
        self._notify(entry)
        target = entry["urls"][url_key]
        target += ("&" if "?" in target else "?") + urlencode({"datatransTrxId": tid})
        return Response(303, b"", "text/plain", {"Location": target})

    def _notify(self, entry: dict) -> None:
        body = json.dumps(_public(entry), ensure_ascii=False).encode()
        key = self.hmac_key
        if self.switches["notify"] == "bad_signature":
            key = "00" * 20
        signature = signature_make(key_hex=key, timestamp=str(int(time.time() * 1000)), body=body)
        record = {"url": entry["webhook"], "body": body.decode(), "signature": signature}
        if self.switches["notify"] == "lost" or not entry["webhook"]:
            record["delivery"] = "lost"
        else:
            time.sleep(float(self.switches["notify_delay"]))
            try:
                answer = httpx.post(
                    entry["webhook"],
                    content=body,
                    headers={"Content-Type": "application/json", "Datatrans-Signature": signature},
                    timeout=5.0,
                )
                record["delivery"] = f"http_{answer.status_code}"
            except httpx.HTTPError as exc:
                record["delivery"] = f"failed: {type(exc).__name__}"
        with self.lock:
            self.notifications.append(record)

    def _control(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                data = request.json()
                if data.get("notify", "ok") not in ("ok", "lost", "bad_signature"):
                    raise ValueError("notify must be ok, lost or bad_signature")
                with self.lock:
                    self.switches["notify"] = data.get("notify", "ok")
                    self.switches["down"] = bool(data.get("down", False))
                    self.switches["notify_delay"] = float(data.get("notify_delay", 0.0))
                    if data.get("clear"):
                        self.notifications.clear()
                        self.calls.clear()
            except (ValueError, TypeError) as exc:
                return error(400, "bad_control", str(exc))
        with self.lock:
            return json_response(
                200,
                {
                    **self.switches,
                    "notifications": list(self.notifications),
                    "calls": list(self.calls),
                },
            )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _public(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if k not in ("urls", "webhook")}


def create_app(*, api_key: str, seed: str = "", hmac_key: str = DEFAULT_HMAC_KEY):
    """The provider as WSGI app (``seed`` unused: no synthetic population)."""
    return PaymentProvider(api_key=api_key, hmac_key=hmac_key)
