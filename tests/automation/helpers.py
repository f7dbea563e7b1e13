"""Run a case's automated steps the way the worker does (``step_run``), in the test."""

from __future__ import annotations

from cases.models import Case, StepKind, StepStatus
from cases.services import step_run


def run_automated(case: Case, *, limit: int = 10) -> Case:
    """Run the case's current automated steps one after the other until a step is not
    automated or not runnable (as the chained jobs would after each commit)."""
    for _ in range(limit):
        case.refresh_from_db()
        step = case.steps.exclude(status__in=[StepStatus.DONE, StepStatus.SKIPPED]).first()
        if (
            step is None
            or step.kind != StepKind.AUTOMATED
            or step.status not in (StepStatus.PENDING, StepStatus.FAILED, StepStatus.RUNNING)
        ):
            break
        step_run(step_id=step.pk, final_attempt=True)
    case.refresh_from_db()
    return case
