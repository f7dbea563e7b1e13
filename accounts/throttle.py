"""Who is asking, and how often: the client address every throttle uses (django-axes, the API
throttles, the mail counters), and a small counter against mail bombing (how often one address
or one client may make the portal send account e-mails within an hour)."""

from __future__ import annotations

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import ScopedRateThrottle

WINDOW_SECONDS = 3600


# --- The client address -------------------------------------------------------------------------


def _meta_name(header: str) -> str:
    """``X-Real-IP`` or ``HTTP_X_REAL_IP`` → ``HTTP_X_REAL_IP`` (the request.META key)."""
    name = header.strip().upper().replace("-", "_")
    if name and name != "REMOTE_ADDR" and not name.startswith("HTTP_"):
        name = f"HTTP_{name}"
    return name


def _address(value: str) -> str:
    """The normalised IP address in ``value`` (a port or IPv6 brackets removed), or ""."""
    value = value.strip()
    candidates = [value]
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        candidates.append(value[1 : value.index("]")])
    elif value.count(":") == 1:  # 203.0.113.5:51234
        candidates.append(value.split(":", 1)[0])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return ""


def client_ip(request) -> str:
    """The address of the client that sent ``request``: the one function every throttle uses.

    ``REMOTE_ADDR`` unless ``TRUSTED_PROXY_HEADER`` names the header a reverse proxy of ours
    sets (e.g. ``HTTP_X_REAL_IP``, or ``HTTP_X_FORWARDED_FOR``). That header is read as a
    comma-separated list to which each of the ``TRUSTED_PROXY_COUNT`` proxies appended the
    address it saw: the client is the ``TRUSTED_PROXY_COUNT``-th entry from the right; entries
    further left were sent by the client and are never believed. A missing or malformed header
    (the request did not pass the proxies) falls back to ``REMOTE_ADDR``.
    """
    meta = request.META
    remote = meta.get("REMOTE_ADDR", "") or ""
    header = _meta_name(getattr(settings, "TRUSTED_PROXY_HEADER", "") or "")
    if not header or header == "REMOTE_ADDR":
        return remote
    hops = [hop.strip() for hop in (meta.get(header, "") or "").split(",") if hop.strip()]
    count = max(1, int(getattr(settings, "TRUSTED_PROXY_COUNT", 1)))
    if len(hops) < count:
        return remote
    return _address(hops[-count]) or remote


class ClientScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, keyed by ``client_ip`` (DRF's own ``get_ident`` believes a
    client-sent X-Forwarded-For unless NUM_PROXIES is set)."""

    def get_ident(self, request) -> str:
        return client_ip(request)


# --- Account e-mails per address and client -----------------------------------------------------


def _key(scope: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"accounts:mails:{scope}:{digest}"


def _hit(key: str) -> int:
    if cache.add(key, 1, timeout=WINDOW_SECONDS):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=WINDOW_SECONDS)
        return 1


def account_mail_allowed(*, email: str, client_ip: str) -> bool:
    """Count one request to mail `email` from `client_ip`; False once either is over its
    hourly limit (ACCOUNT_MAILS_PER_ADDRESS, default 5; ACCOUNT_MAILS_PER_CLIENT, default 20).
    Counted per commune (the default cache's keys carry the schema)."""
    per_address = getattr(settings, "ACCOUNT_MAILS_PER_ADDRESS", 5)
    per_client = getattr(settings, "ACCOUNT_MAILS_PER_CLIENT", 20)
    address_count = _hit(_key("address", email))
    client_count = _hit(_key("client", client_ip or "unknown"))
    return address_count <= per_address and client_count <= per_client
