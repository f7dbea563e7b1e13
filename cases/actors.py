"""Jobs of the case machine. The commune is restored by tenants.jobs.CommuneJobMiddleware.

The actors are the top of the machine: they call services, which send them back by name
(``cases.jobs``) and never import this module. ``CasesConfig.ready`` imports it, so every
process that sends a job by name has the actors declared.
"""

from __future__ import annotations

import dramatiq
from django.conf import settings
from django.core.cache import cache
from dramatiq.middleware import CurrentMessage

from tenants.outbox import batched
from tenants.scheduler import periodic

from . import jobs
from .services import payments_sweep, step_run, steps_sweep
from .services.handovers import handover_answer_record, handover_incoming_process, handovers_sweep
from .services.notifications import notification_send, notifications_send
from .services.retention import retention_apply

MAX_RETRIES = 5


@dramatiq.actor(
    actor_name=jobs.RUN_STEP,
    queue_name="steps",
    max_retries=MAX_RETRIES,
    # Milliseconds; the integration harness shortens them (config/settings/integration.py).
    min_backoff=getattr(settings, "CASE_STEP_MIN_BACKOFF_MS", 2_000),
    max_backoff=getattr(settings, "CASE_STEP_MAX_BACKOFF_MS", 120_000),
    time_limit=120_000,
)
def run_step(step_id: int) -> None:
    """Run one automated case step; the last retry hands the step to a clerk if it fails.

    A first delivery chains the case's following automated steps (``step_run``): they then
    share this message's retries, which none of its own attempts has used yet.
    """
    message = CurrentMessage.get_current_message()
    retries = message.options.get("retries", 0) if message is not None else MAX_RETRIES
    step_run(step_id=step_id, final_attempt=retries >= MAX_RETRIES, chain=retries == 0)


@periodic
@dramatiq.actor(queue_name="steps", max_retries=0, time_limit=60_000)
def sweep_steps() -> None:
    """Per commune, at every scheduler tick: resend automated steps whose message was lost."""
    steps_sweep()


HANDOVER_RETRIES = 5


@dramatiq.actor(
    actor_name=jobs.HANDOVER_RECEIVE,
    queue_name="steps",
    max_retries=HANDOVER_RETRIES,
    min_backoff=2_000,
    max_backoff=120_000,
    time_limit=60_000,
)
def handover_receive(handover_id: str) -> None:
    """In the target commune (sent there by tenants.handover): do its side of a hand-over."""
    message = CurrentMessage.get_current_message()
    retries = message.options.get("retries", 0) if message is not None else HANDOVER_RETRIES
    handover_incoming_process(
        handover_id=handover_id, final_attempt=retries >= HANDOVER_RETRIES, attempt=retries + 1
    )


@dramatiq.actor(
    actor_name=jobs.HANDOVER_RETURNED,
    queue_name="steps",
    max_retries=HANDOVER_RETRIES,
    time_limit=60_000,
)
def handover_returned(handover_id: str) -> None:
    """Back in the sending commune: record the target's answer on the case."""
    handover_answer_record(handover_id=handover_id)


@periodic
@dramatiq.actor(queue_name="steps", max_retries=0, time_limit=60_000)
def sweep_handovers() -> None:
    """Per commune, at every scheduler tick: hand-overs whose job or answer was lost."""
    handovers_sweep()


@periodic
@dramatiq.actor(queue_name="steps", max_retries=0, time_limit=60_000)
def sweep_payments() -> None:
    """Per commune, at every scheduler tick: ask the provider about online payments whose
    notification has not come, and refund the paid fees of rejected cases."""
    payments_sweep()


RETENTION_PER_RUN = 20_000


@periodic
@dramatiq.actor(queue_name="steps", max_retries=0, time_limit=300_000)
def apply_retention() -> None:
    """Per commune, at most once per RETENTION_INTERVAL_SECONDS (default: hourly; the scheduler
    ticks more often): delete what is past its retention period, at most RETENTION_PER_RUN
    cases (the rest follows at the next run)."""
    interval = getattr(settings, "RETENTION_INTERVAL_SECONDS", 3600)
    # The cache key is the commune's (django_tenants.cache.make_key): one run per commune.
    if not cache.add("cases:retention-ran", 1, timeout=interval):
        return
    retention_apply(limit=RETENTION_PER_RUN)


# Notification mails: their own queue, retried from 10 s to 10 min.
_NOTIFICATION_OPTIONS = {
    "queue_name": jobs.NOTIFICATION_QUEUE,
    "max_retries": 5,
    "min_backoff": 10_000,
    "max_backoff": 600_000,
}


@dramatiq.actor(actor_name=jobs.SEND_NOTIFICATION, time_limit=60_000, **_NOTIFICATION_OPTIONS)
def send_case_notification(key: str, case_id: str, recipient_id: int, for_clerk: bool) -> None:
    """Send one "Neuigkeiten in Ihrem Geschäft" e-mail, once per key (a redelivery sends none)."""
    notification_send(key=key, case_id=case_id, recipient_id=recipient_id, for_clerk=for_clerk)


@batched
@dramatiq.actor(actor_name=jobs.SEND_NOTIFICATIONS, time_limit=120_000, **_NOTIFICATION_OPTIONS)
def send_case_notifications(notifications: list[list]) -> None:
    """Send the notification e-mails the outbox relay took together for this commune (each
    ``[key, case_id, recipient_id, for_clerk]``), each once: a retry after a failed one skips
    those already sent."""
    notifications_send(notifications)
