"""The sweeper: automated steps whose job message was lost are sent again."""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.utils import timezone

from ..models import CaseStatus, CaseStep, StepKind, StepStatus
from .core import current_step
from .steps import step_enqueue

# A pending step whose message should have run by now, and a running step older than the
# actor's time limit, are considered lost (broker down, worker killed between two steps) and
# sent again. With the scheduler's tick (SCHEDULER_TICK_SECONDS, 20 s) a lost step is picked up
# within 30 + 20 s; a second message for a step that was only slow does nothing (step_run is
# idempotent). A worker killed *during* a step loses nothing: the broker redelivers its
# unacknowledged message.
SWEEP_PENDING_AFTER = dt.timedelta(seconds=30)
SWEEP_RUNNING_AFTER = dt.timedelta(minutes=10)


def steps_sweep(*, now: dt.datetime | None = None) -> int:
    """Re-enqueue the automated steps of this commune that are due but have no live message.

    Safe to run any time: ``step_run`` does nothing for a step that moved on, and adapters get
    the same idempotency key again. Returns the number of steps sent.
    """
    now = now or timezone.now()
    candidates = (
        CaseStep.objects.filter(
            kind=StepKind.AUTOMATED,
            case__stage="automated",
            case__status__in=[CaseStatus.SUBMITTED, CaseStatus.IN_PROGRESS],
        )
        .filter(
            models.Q(status=StepStatus.PENDING, updated_at__lt=now - SWEEP_PENDING_AFTER)
            | models.Q(
                status__in=[StepStatus.RUNNING, StepStatus.FAILED],
                updated_at__lt=now - SWEEP_RUNNING_AFTER,
            )
        )
        .select_related("case")
        .order_by("updated_at")[:500]
    )
    sent = 0
    with transaction.atomic():
        for step in candidates:
            current = current_step(step.case)
            if current is None or current.pk != step.pk:
                continue
            # Touch the step so the next sweep waits again before resending it.
            CaseStep.objects.filter(pk=step.pk).update(updated_at=now)
            step_enqueue(step)
            sent += 1
    return sent
