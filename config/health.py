"""GET /healthz on every host: database and broker status as JSON, 200 or 503."""

from __future__ import annotations

import socket
from urllib.parse import urlparse

import dramatiq
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from dramatiq.brokers.stub import StubBroker

from tenants.heartbeat import workers_alive
from tenants.outbox import outbox_backlog


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, "ok"
    except Exception as exc:
        return False, f"error: {type(exc).__name__}"


def check_broker(timeout: float = 1.0) -> tuple[bool, str]:
    broker = dramatiq.get_broker()
    if isinstance(broker, StubBroker):
        return True, "ok (stub)"
    from django.conf import settings

    url = settings.DRAMATIQ_BROKER.get("URL") or ""
    if url.startswith(("postgres://", "postgresql://")):
        return check_database()
    parsed = urlparse(url)
    default_port = {"amqp": 5672, "amqps": 5671, "redis": 6379, "rediss": 6379}.get(
        parsed.scheme, 0
    )
    try:
        with socket.create_connection(
            (parsed.hostname, parsed.port or default_port), timeout=timeout
        ):
            return True, "ok"
    except OSError as exc:
        return False, f"error: {exc.strerror or type(exc).__name__}"


def check_worker() -> tuple[bool, str]:
    """Whether a job worker reported recently (the stub broker of tests has none to ask)."""
    if isinstance(dramatiq.get_broker(), StubBroker):
        return True, "ok (stub)"
    try:
        alive = workers_alive()
    except Exception as exc:
        return False, f"error: {type(exc).__name__}"
    return (alive > 0), (f"ok ({alive})" if alive else "missing")


# Jobs that wait in the outbox longer than this: the relay (a worker thread) is not working.
OUTBOX_STUCK_SECONDS = 300


def check_outbox() -> tuple[bool, str]:
    """Jobs waiting in the outbox (``tenants.outbox``) for the workers' relay."""
    try:
        count, oldest = outbox_backlog()
    except Exception as exc:
        return False, f"error: {type(exc).__name__}"
    if not count:
        return True, "ok (0)"
    age = max(0, int((timezone.now() - oldest).total_seconds()))
    return age <= OUTBOX_STUCK_SECONDS, f"waiting ({count}, oldest {age}s)"


@never_cache
@require_GET
def healthz(request):
    """200 "ok"; 200 "degraded" when no worker is alive or jobs wait in the outbox for more
    than 5 minutes (pages and orders still work, jobs wait); 503 "unhealthy" when the
    database or the broker is down."""
    db_ok, db_status = check_database()
    broker_ok, broker_status = check_broker()
    worker_ok, worker_status = check_worker() if db_ok else (False, "unknown")
    outbox_ok, outbox_status = check_outbox() if db_ok else (False, "unknown")
    healthy = db_ok and broker_ok
    commune = getattr(request, "commune", None)
    status = "ok" if healthy and worker_ok and outbox_ok else "degraded" if healthy else "unhealthy"
    return JsonResponse(
        {
            "status": status,
            "database": db_status,
            "broker": broker_status,
            "worker": worker_status,
            "outbox": outbox_status,
            "commune": commune.slug if commune else None,
        },
        status=200 if healthy else 503,
    )
