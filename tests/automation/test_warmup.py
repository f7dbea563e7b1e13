"""Worker start-up: adapters warmed up, then the start-up heap frozen."""

from __future__ import annotations

import gc

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
