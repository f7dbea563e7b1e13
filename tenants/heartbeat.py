"""Worker heartbeats (public schema): each Dramatiq worker process renews its row every
``HEARTBEAT_SECONDS``; the web's /healthz counts the recent ones."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading

from django.apps import apps
from django.db import close_old_connections, connection
from django.utils import timezone
from dramatiq.middleware import Middleware

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10
# A worker whose row is older than this is taken for dead.
ALIVE_WITHIN = dt.timedelta(seconds=30)


def _heartbeats():
    # By name: the broker (and this middleware) is set up before Django's apps are loaded.
    return apps.get_model("tenants", "WorkerHeartbeat")


def heartbeat_beat(*, worker_id: str) -> None:
    """Record that the worker ``worker_id`` is alive now (one upsert)."""
    _heartbeats().objects.update_or_create(
        worker_id=worker_id, defaults={"seen_at": timezone.now()}
    )


def heartbeat_forget(*, worker_id: str) -> None:
    _heartbeats().objects.filter(worker_id=worker_id).delete()


def workers_alive(*, now: dt.datetime | None = None) -> int:
    """How many worker processes reported within ``ALIVE_WITHIN``."""
    now = now or timezone.now()
    return _heartbeats().objects.filter(seen_at__gte=now - ALIVE_WITHIN).count()


class WorkerHeartbeatMiddleware(Middleware):
    """Starts the heartbeat thread in every worker process and removes its row at shutdown."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.worker_id = ""

    def after_worker_boot(self, broker, worker) -> None:
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"
        threading.Thread(target=self._run, name="heartbeat", daemon=True).start()

    def before_worker_shutdown(self, broker, worker) -> None:
        self.stop.set()
        try:
            connection.set_schema_to_public()
            heartbeat_forget(worker_id=self.worker_id)
        except Exception:  # a dying database must not block the shutdown
            logger.warning("heartbeat row of %s not removed", self.worker_id)

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                connection.set_schema_to_public()
                heartbeat_beat(worker_id=self.worker_id)
            except Exception:
                logger.warning("heartbeat of %s failed", self.worker_id, exc_info=True)
            finally:
                close_old_connections()
            self.stop.wait(HEARTBEAT_SECONDS)
