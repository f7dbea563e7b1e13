"""Jobs of the case machine. The commune is restored by tenants.jobs.CommuneJobMiddleware."""

from __future__ import annotations

import dramatiq
from dramatiq.middleware import CurrentMessage

from tenants.scheduler import periodic

from .services import step_run, steps_sweep

MAX_RETRIES = 5


@dramatiq.actor(
    queue_name="steps",
    max_retries=MAX_RETRIES,
    min_backoff=2_000,
    max_backoff=120_000,
    time_limit=120_000,
)
def run_step(step_id: int) -> None:
    """Run one automated case step; the last retry hands the step to a clerk if it fails."""
    message = CurrentMessage.get_current_message()
    retries = message.options.get("retries", 0) if message is not None else MAX_RETRIES
    step_run(step_id=step_id, final_attempt=retries >= MAX_RETRIES)


@periodic
@dramatiq.actor(queue_name="steps", max_retries=0, time_limit=60_000)
def sweep_steps() -> None:
    """Per commune, at every scheduler tick: resend automated steps whose message was lost."""
    steps_sweep()
