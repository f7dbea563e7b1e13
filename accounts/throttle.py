"""A small counter against mail bombing: how often one address or one client may make the
portal send account e-mails (registration, password reset) within an hour."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 3600


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
