"""Which Dramatiq broker to use: BROKER_URL, else a local RabbitMQ or Redis, else PostgreSQL."""

from __future__ import annotations

import socket
from typing import Any

# The middleware is always listed explicitly: with django-dramatiq 0.15 an omitted list silently
# means no middleware at all (no retries, no time limits).
JOB_MIDDLEWARE = [
    # First, so that its connection check (CONN_HEALTH_CHECKS: one SELECT 1) happens once per
    # message, before the commune middleware's query, not a second time after it.
    "django_dramatiq.middleware.DbConnectionsMiddleware",
    "dramatiq.middleware.AgeLimit",
    "dramatiq.middleware.TimeLimit",
    "dramatiq.middleware.ShutdownNotifications",
    "dramatiq.middleware.Callbacks",
    "dramatiq.middleware.Pipelines",
    "dramatiq.middleware.Retries",
    "dramatiq.middleware.CurrentMessage",
    "tenants.jobs.CommuneJobMiddleware",
    "cases.automation.warmup.AdapterWarmUpMiddleware",
    "tenants.heartbeat.WorkerHeartbeatMiddleware",
    # A thread per worker process that hands the committed jobs of tenants.outbox to the broker.
    "tenants.outbox.OutboxRelayMiddleware",
]


def reachable(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections at ``host:port`` (broker, database, ports)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def detect_broker_url(database: dict[str, Any]) -> str:
    """Return the broker to use when BROKER_URL is not set."""
    if reachable("127.0.0.1", 5672, timeout=0.25):
        return "amqp://guest:guest@127.0.0.1:5672/"
    if reachable("127.0.0.1", 6379, timeout=0.25):
        return "redis://127.0.0.1:6379/0"
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgresql://{user}{password}@{host}:{port}/{database['NAME']}"


def broker_settings(url: str, database: dict[str, Any]) -> dict[str, Any]:
    """The DRAMATIQ_BROKER setting for a broker URL (detected when empty)."""
    url = url or detect_broker_url(database)
    if url.startswith("stub:"):
        broker, options = "dramatiq.brokers.stub.StubBroker", {}
    elif url.startswith(("amqp://", "amqps://")):
        broker, options = "tenants.rabbitmq.RabbitmqBroker", {"url": url}
    elif url.startswith(("redis://", "rediss://")):
        broker, options = "dramatiq.brokers.redis.RedisBroker", {"url": url}
    elif url.startswith(("postgres://", "postgresql://")):
        broker = "dramatiq_postgres.PostgresBroker"
        options = {"url": url.replace("postgres://", "postgresql://", 1), "results": False}
    else:
        raise ValueError(f"BROKER_URL {url!r}: unsupported scheme (amqp, redis, postgresql, stub)")
    return {"BROKER": broker, "OPTIONS": options, "MIDDLEWARE": list(JOB_MIDDLEWARE), "URL": url}
