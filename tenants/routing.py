"""Host → commune resolution (and schema → commune for jobs), cached per process and invalidated
across processes.

Each web process keeps resolved hosts for TENANT_CACHE_SECONDS. A change to a commune or domain
clears the local cache at once and bumps a generation counter in the shared "public" cache,
which every process compares at most once per second, so other processes follow within a second.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

from .models import Commune, Domain

GENERATION_KEY = "tenants:host-generation"


@dataclass(frozen=True)
class HostResolution:
    kind: str  # "public" | "commune" | "redirect" | "unknown"
    commune: Commune | None = None
    redirect_host: str | None = None


_lock = threading.Lock()
# What processes keep (``kept_per_process``): resolved hosts, communes of schemas, … by key.
_kept: dict[tuple, tuple[float, object]] = {}
_generation: dict[str, object] = {"value": None, "checked": 0.0}


def _shared_generation() -> object:
    return caches["public"].get(GENERATION_KEY)


def invalidate_host_cache() -> None:
    """Forget every resolved host, in this process now and in the others within a second."""
    with _lock:
        _kept.clear()
    caches["public"].set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def _check_generation(now: float) -> None:
    if now - _generation["checked"] < 1.0:
        return
    current = _shared_generation()
    with _lock:
        if current != _generation["value"]:
            _kept.clear()
            _generation["value"] = current
        _generation["checked"] = now


def public_hosts() -> set[str]:
    return {settings.PORTAL_DOMAIN, f"www.{settings.PORTAL_DOMAIN}"}


def _lookup(hostname: str) -> HostResolution:
    if hostname in public_hosts():
        return HostResolution("public")
    domain = (
        Domain.objects.select_related("tenant", "tenant__merged_into")
        .filter(domain=hostname)
        .first()
    )
    if domain is None:
        return HostResolution("unknown")
    commune = domain.tenant
    if commune.status == Commune.Status.MERGED and commune.merged_into_id:
        target = commune.merged_into
        while target.status == Commune.Status.MERGED and target.merged_into_id:
            target = target.merged_into
        primary = target.domains.filter(is_primary=True).values_list("domain", flat=True).first()
        return HostResolution("redirect", commune=commune, redirect_host=primary)
    return HostResolution("commune", commune=commune)


def resolve_host(hostname: str) -> HostResolution:
    """What a host name stands for: the public portal, a commune, a redirect or nothing."""
    hostname = hostname.lower().rstrip(".")
    return kept_per_process(("host", hostname), lambda: _lookup_in_public(hostname))


def _lookup_in_public(hostname: str) -> HostResolution:
    # Looked up in public, whatever schema the connection holds from its last request.
    if connection.schema_name == get_public_schema_name():
        return _lookup(hostname)
    with schema_context(get_public_schema_name()):
        return _lookup(hostname)


def kept_per_process(
    key: tuple, compute: Callable[[], object], *, keep_none: bool = True
) -> object:
    """``compute()``, kept in this process under ``key`` like a resolved host: for
    TENANT_CACHE_SECONDS, and forgotten with every change to a commune, a domain or a commune's
    configuration (here at once, in other processes within a second). The key must name the
    commune it belongs to. ``keep_none=False``: a None result is computed again every time."""
    now = time.monotonic()
    _check_generation(now)
    entry = _kept.get(key)
    if entry and now - entry[0] < settings.TENANT_CACHE_SECONDS:
        return entry[1]
    value = compute()
    if value is not None or keep_none:
        with _lock:
            _kept[key] = (now, value)
    return value


def commune_for_schema(schema: str, lookup: Callable[[str], Commune | None]) -> Commune | None:
    """The commune whose schema ``schema`` is, as ``lookup`` finds it (row and schema exist),
    kept per process (``kept_per_process``). Only a commune found is kept: a job for a schema
    that is gone is looked up again every time."""
    return kept_per_process(("schema", schema), lambda: lookup(schema), keep_none=False)
