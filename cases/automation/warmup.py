"""Worker start-up: prepare the adapters once per process (fonts, XSDs) so the first
certificate does not take seconds longer than the rest."""

from __future__ import annotations

import logging

from dramatiq.middleware import Middleware

logger = logging.getLogger(__name__)


class AdapterWarmUpMiddleware(Middleware):
    """Listed in ``config.broker.JOB_MIDDLEWARE``; runs ``registry.warm_up()`` after boot."""

    def after_worker_boot(self, broker, worker) -> None:
        from integrations.registry import registry

        try:
            registry.warm_up()
        except Exception:  # a register that is down must not stop the worker
            logger.exception("adapter warm-up failed")
