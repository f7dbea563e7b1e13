"""Steps: advancing a case, closing it, completing and retrying steps by hand. Running
automated steps is ``machine.py``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from tenants.jobs import enqueue_on_commit
from tenants.prepared import PreparedSelect, run_together

from ..event_texts import step_names
from ..exceptions import InvalidTransition
from ..fallbacks import STAGE_FORM_REASON
from ..jobs import RUN_STEP
from ..models import (
    CLERK_WORKABLE,
    Case,
    CaseStatus,
    CaseStep,
    StepKind,
    StepStatus,
)
from . import usage
from .core import (
    current_step,
    event_write,
    notify_on_commit,
    require_open,
    require_worker,
    status_refresh,
    status_set,
)
from .invoices import invoice_issue_by_hand, step_issues_invoice


def step_fallback(*, step: CaseStep, reason: str) -> None:
    """Turn an automated step into a manual task for a clerk, keeping input and error."""
    step.status = StepStatus.MANUAL_FALLBACK
    step.last_error = reason
    step.save()
    event_write(
        case=step.case,
        actor=None,
        kind="step_manual_fallback",
        code="step_manual",
        params={"step": step_names(step), "reason": reason},
        details={"step": step.key, "position": step.position, "attempts": step.attempts},
    )


def _lock_step(step_id: int) -> CaseStep | None:
    """Lock the step's case, then the step (always in this order: no deadlocks between step
    jobs and clerks' actions on the same case)."""
    locked = case_steps_lock(step_id)
    return locked[0] if locked is not None else None


def _case_of_step(step_id: int) -> Subquery:
    return Subquery(CaseStep.objects.filter(pk=step_id).values("case_id")[:1])


# The sample step id of the one compile (a value no step has; PreparedSelect finds it by
# identity among the parameters).
_SAMPLE_STEP = int("-424242424")
_CASE_LOCK = PreparedSelect(
    lambda step_id: (
        Case.objects.select_for_update(of=("self",))
        .select_related("service", "version", "applicant")
        .filter(pk=_case_of_step(step_id))
        .order_by()
    ),
    _SAMPLE_STEP,
)
_STEPS_LOCK = PreparedSelect(
    lambda step_id: (
        CaseStep.objects.select_for_update()
        .filter(case_id=_case_of_step(step_id))
        .order_by("position")
    ),
    _SAMPLE_STEP,
)


def case_steps_lock(step_id: int) -> tuple[CaseStep, list[CaseStep]] | None:
    """Lock the step's case, then all its steps (in this order, like every writer): the step,
    with ``step.case`` set, and the case's steps in order, sharing that case instance.

    Two statements in one round trip, compiled once (``tenants.prepared``), so that the
    machine (``machine.step_run``) does not reload what it already holds.
    """
    cases, steps = run_together((_CASE_LOCK, (step_id,)), (_STEPS_LOCK, (step_id,)))
    if not cases:
        return None
    case = cases[0]
    step = None
    for s in steps:
        s.case = case
        if s.pk == step_id:
            step = s
    if step is None:  # deleted between the two statements
        return None
    return step, steps


def case_advance(
    *,
    case: Case,
    actor: User | None,
    now: dt.datetime | None = None,
    steps: list[CaseStep] | None = None,
) -> None:
    """Start the case's current step (enqueue an automated one, hand it to a clerk at stage
    ``form``), complete the case when no step is left, and update its status.

    ``steps`` are the case's steps in order, when the caller has them at hand.
    """
    now = now or timezone.now()
    if not case.is_open:
        return
    steps = steps if steps is not None else list(case.steps.order_by("position"))
    step = current_step(case, steps)
    if step is None:
        case_close(case=case, actor=actor, decision=Case.Decision.APPROVED, now=now, steps=steps)
        return
    if step.kind == StepKind.AUTOMATED and step.status == StepStatus.PENDING:
        if case.stage == "automated":
            step_enqueue(step)
        else:
            step_fallback(step=step, reason=STAGE_FORM_REASON)
    status_refresh(case=case, actor=actor, now=now, steps=steps)


def step_enqueue(step: CaseStep) -> None:
    """Send the step's job (``cases.actors.run_step``, by name) once the transaction commits."""
    enqueue_on_commit(RUN_STEP, step.pk)


# What closing a case sets on it besides its status (written with the status).
CLOSE_FIELDS = (
    "decision",
    "decision_reason",
    "decided_at",
    "decided_by",
    "awaiting_info",
    "closed_at",
)


def case_close(
    *,
    case: Case,
    actor: User | None,
    decision: str,
    now: dt.datetime,
    reason: str = "",
    status: str | None = None,
    steps: list[CaseStep] | None = None,
) -> None:
    """Close the case (completed, rejected or withdrawn); open steps are skipped.

    ``steps``: the case's steps, when the caller holds them under the case's lock.
    """
    status = status or (
        CaseStatus.COMPLETED if decision == Case.Decision.APPROVED else CaseStatus.REJECTED
    )
    if steps is None or any(not s.is_finished for s in steps):
        case.steps.exclude(status__in=[StepStatus.DONE, StepStatus.SKIPPED]).update(
            status=StepStatus.SKIPPED, updated_at=now
        )
        for s in steps or ():
            if not s.is_finished:
                s.status = StepStatus.SKIPPED
    if status != CaseStatus.WITHDRAWN:
        case.decision = decision
        case.decision_reason = reason
        case.decided_at = now
        case.decided_by = actor
    case.awaiting_info = False
    case.closed_at = now
    status_set(case=case, status=status, actor=actor, now=now, fields=CLOSE_FIELDS)
    if status == CaseStatus.COMPLETED:
        by_hand = (
            case.steps.filter(completed_by__isnull=False).exists()
            if steps is None
            else any(s.completed_by_id is not None for s in steps)
        )
        automated = not by_hand and case.decided_by_id is None
        usage.on_completed(case, automated=automated)


@transaction.atomic
def step_complete(
    *, step_id: int, user: User, output: dict[str, Any] | None = None, comment: str = ""
) -> CaseStep:
    """Complete the case's current step by hand: a clerk for manual steps and automated steps
    that fell back to manual work, the applicant (or a clerk) for resident steps."""
    step = _lock_step(step_id)
    if step is None:
        raise CaseStep.DoesNotExist(step_id)
    case = step.case
    if not (step.kind == StepKind.RESIDENT and case.applicant_id == user.pk):
        require_worker(user=user, case=case)
    require_open(case)
    current = current_step(case)
    if current is None or current.pk != step.pk:
        raise InvalidTransition(
            _("Schritt «%(step)s» ist nicht der aktuelle Schritt.") % {"step": step.name_de},
            code="not_current",
        )
    if step.status not in CLERK_WORKABLE:
        raise InvalidTransition(
            _("Schritt «%(step)s» läuft automatisch und kann jetzt nicht von Hand erledigt werden.")
            % {"step": step.name_de},
            code="step_running",
        )
    if not output and step_issues_invoice(step):
        output = invoice_issue_by_hand(step=step, user=user)
    now = timezone.now()
    step.status = StepStatus.DONE
    step.completed_at = now
    step.completed_by = user
    if output:
        step.output = output
    step.save()
    event_write(
        case=case,
        actor=user,
        kind="step_completed",
        code="step_done_comment" if comment else "step_done",
        params={"step": step_names(step), **({"comment": comment} if comment else {})},
        details={"step": step.key, "position": step.position, "by_hand": True},
        visible=True,
    )
    case_advance(case=case, actor=user, now=now)
    if case.status in (CaseStatus.COMPLETED,):
        notify_on_commit(recipient=case.applicant, case=case)
    return step


@transaction.atomic
def step_retry(*, step_id: int, user: User) -> CaseStep:
    """Send an automated step that fell back to manual work through its adapter again."""
    step = _lock_step(step_id)
    if step is None:
        raise CaseStep.DoesNotExist(step_id)
    require_worker(user=user, case=step.case)
    require_open(step.case)
    if step.kind != StepKind.AUTOMATED or step.status not in (
        StepStatus.MANUAL_FALLBACK,
        StepStatus.FAILED,
    ):
        raise InvalidTransition(
            _("Nur ein gescheiterter automatischer Schritt kann wiederholt werden.")
        )
    if step.case.stage != "automated":
        raise InvalidTransition(
            _(
                "Die Gemeinde bietet diese Dienstleistung als Formular an: "
                "der Schritt wird von Hand erledigt, nicht automatisch."
            ),
            code="stage_form",
        )
    step.status = StepStatus.PENDING
    step.save()
    event_write(
        case=step.case,
        actor=user,
        kind="step_retry",
        code="step_retry",
        params={"step": step_names(step)},
        details={"step": step.key, "position": step.position},
    )
    step_enqueue(step)
    return step
