"""Catalogue jobs: the rollout history's snapshot of the month, taken by the scheduler."""

from __future__ import annotations

import dramatiq
from django.conf import settings
from django.core.cache import caches

from tenants.scheduler import periodic_public

from .services.rollout import current_month, rollout_snapshot_take


@periodic_public
@dramatiq.actor(queue_name="steps", max_retries=0, time_limit=300_000)
def rollout_snapshot() -> None:
    """Once per ROLLOUT_SNAPSHOT_INTERVAL_SECONDS (default: daily; the scheduler ticks more
    often), in the public schema: record every commune's current offers for this month. The
    month's rows are upserts, so the last run of a month holds its final stages."""
    interval = getattr(settings, "ROLLOUT_SNAPSHOT_INTERVAL_SECONDS", 86_400)
    # The "public" cache has no commune prefix: one run for the whole canton.
    if not caches["public"].add(f"catalog:rollout-snapshot:{current_month():%Y-%m}", 1, interval):
        return
    rollout_snapshot_take()
