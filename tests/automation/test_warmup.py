"""Worker start-up: adapters warmed up, then the start-up heap frozen."""

from __future__ import annotations

import gc
import threading

from cases.automation.warmup import worker_warm_up
from integrations.adapters.documents import pdf


def test_warm_up_loads_fonts_and_freezes_the_heap():
    """After the warm-up this thread has its font configuration and the objects that exist are
    out of the garbage collector's way."""
    gc.unfreeze()
    try:
        worker_warm_up()
        assert gc.get_freeze_count() > 10_000
        assert pdf._local.font_config is not None
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0


def test_each_worker_thread_gets_its_fonts_at_start():
    """The middleware prepares a starting worker thread's PDF font configuration and
    stylesheets, so its first document does not pay for them."""
    from cases.automation.warmup import AdapterWarmUpMiddleware

    def worker_thread():
        before = getattr(pdf._local, "font_config", None)
        AdapterWarmUpMiddleware().after_worker_thread_boot(broker=None, thread=None)
        return before, pdf._local.font_config, len(pdf._local.stylesheets)

    result = []
    thread = threading.Thread(target=lambda: result.append(worker_thread()))
    thread.start()
    thread.join()
    before, after, stylesheets = result[0]
    assert before is None and after is not None and stylesheets == 2
    assert after is not pdf.font_config()  # this thread's own
