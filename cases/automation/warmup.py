"""Worker start-up: prepare the adapters once per process (fonts, stylesheets, XSDs) so the
first certificate does not take seconds longer than the rest, then freeze what exists."""

from __future__ import annotations

import gc
import logging

from dramatiq.middleware import Middleware

logger = logging.getLogger(__name__)


def worker_warm_up() -> None:
    """``registry.warm_up()``, then ``gc.freeze()``: the ~160,000 objects a warm worker holds
    (modules, settings, fonts, schemas) live as long as the process, and every full garbage
    collection would walk them again (about 4 ms per rendered invoice); frozen, it skips them."""
    from integrations.registry import registry

    try:
        registry.warm_up()
    except Exception:  # a register that is down must not stop the worker
        logger.exception("adapter warm-up failed")
    gc.freeze()


class AdapterWarmUpMiddleware(Middleware):
    """Listed in ``config.broker.JOB_MIDDLEWARE``; runs ``worker_warm_up()`` after boot."""

    def after_worker_boot(self, broker, worker) -> None:
        worker_warm_up()
