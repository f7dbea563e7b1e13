"""Steps: advancing a case, completing steps by hand, running automated steps."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import adapter_reads_register
from tenants.jobs import enqueue_on_commit

from .. import handlers
from ..event_texts import step_names, summary_event
from ..exceptions import InvalidTransition
from ..fallbacks import IDENTITY_UNVERIFIED_REASON, STAGE_FORM_REASON
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
from .access_log import identity_numbers_masked, register_access_record
from .core import (
    current_step,
    event_write,
    notify_on_commit,
    require_open,
    require_worker,
    status_refresh,
    status_set,
)
from .failures import failure_record
from .identity import case_identity_verified
from .invoices import invoice_issue_by_hand, step_issues_invoice
from .step_calls import step_call, step_input

logger = logging.getLogger(__name__)


def _fallback(*, step: CaseStep, reason: str) -> None:
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
    locked = _lock_case_steps(step_id)
    return locked[0] if locked is not None else None


def _lock_case_steps(step_id: int) -> tuple[CaseStep, list[CaseStep]] | None:
    """Lock the step's case, then all its steps (in this order, like every writer): the step,
    with ``step.case`` set, and the case's steps in order, sharing that case instance.

    Two statements, so that the machine's hot path (``step_run``) does not reload what it
    already holds.
    """
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("service", "version", "applicant")
        .filter(steps__pk=step_id)
        .order_by()
        .first()
    )
    if case is None:
        return None
    steps = list(CaseStep.objects.select_for_update().filter(case_id=case.pk).order_by("position"))
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
            _fallback(step=step, reason=STAGE_FORM_REASON)
    status_refresh(case=case, actor=actor, now=now, steps=steps)


def step_enqueue(step: CaseStep) -> None:
    """Send the step's job (``cases.actors.run_step``, by name) once the transaction commits."""
    enqueue_on_commit(RUN_STEP, step.pk)


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
    status_set(case=case, status=status, actor=actor, now=now)
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


def _step_start(step_id: int) -> tuple[CaseStep | None, handlers.StepHandler | None]:
    """Lock the step and mark it running; None when there is nothing (left) to run.

    A message whose step is already done continues a chain (``step_run(chain=True)``) that a
    killed worker left behind: when the case's current step is an automated one that the chain
    of this very message had started (running) or that failed in it, that step is run instead.
    """
    with transaction.atomic():
        locked = _lock_case_steps(step_id)
        if locked is None:
            return None, None
        step, steps = locked
        if step.status == StepStatus.DONE:
            step = _chain_continuation(step.case, steps, head_id=step_id)
            if step is None:
                return None, None
        if step.kind != StepKind.AUTOMATED:
            return None, None
        if step.status not in (StepStatus.PENDING, StepStatus.FAILED, StepStatus.RUNNING):
            return None, None  # already done, skipped or handed to a clerk: idempotent no-op
        if not step.case.is_open:
            return None, None
        current = current_step(step.case, steps)
        if current is None or current.pk != step.pk:
            return None, None
        _commit_without_flush()
        handler = _step_begin(step, steps)
    return (step, handler) if handler is not None else (None, None)


def _commit_without_flush() -> None:
    """Commit the current transaction without waiting for its WAL flush (PostgreSQL's
    asynchronous commit: after a database crash it is either fully there or fully gone, never
    half). Only for the transaction that marks a message's first step running: it records no
    effect, and should a crash lose it, the step is as before, its message unacknowledged (or
    the sweeper's), and the step runs again with the same idempotency key. Completions keep
    durable commits."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _chain_continuation(case: Case, steps: list[CaseStep], *, head_id: int) -> CaseStep | None:
    """The step the chain of the message for step ``head_id`` left running (or failed).

    Only that message's redelivery or retry continues it: a stale message of another done step
    (e.g. a sweeper's, for a step that was only slow) must not run a step a live chain runs.
    """
    current = current_step(case, steps)
    if (
        current is not None
        and case.is_open
        and current.kind == StepKind.AUTOMATED
        and current.status in (StepStatus.RUNNING, StepStatus.FAILED)
        and (current.input or {}).get(CHAIN_HEAD) == head_id
    ):
        return current
    return None


def _step_begin(
    step: CaseStep, steps: list[CaseStep], *, chain_head: int | None = None
) -> handlers.StepHandler | None:
    """Mark the locked, current automated ``step`` running (attempt, input, event, status) and
    return its handler; or hand it to a clerk and return None. In the caller's transaction.

    ``chain_head``: the step whose message runs this one in a chain (kept in the step's input).
    """
    handler = handlers.handler_get(step.adapter_key)
    if handler is None:
        reason = f"Für «{step.adapter_key or '–'}» ist keine Schnittstelle eingerichtet."
    elif adapter_reads_register(step.adapter_key) and not case_identity_verified(step.case):
        # Never identify anyone in a register with typed-in values: a clerk checks instead.
        reason = IDENTITY_UNVERIFIED_REASON
    else:
        reason = ""
    now = timezone.now()
    if reason:
        _fallback(step=step, reason=reason)
        status_refresh(case=step.case, actor=None, now=now, steps=steps)
        return None
    step.status = StepStatus.RUNNING
    step.attempts += 1
    step.started_at = now
    head = chain_head or (step.input or {}).get(CHAIN_HEAD)
    step.input = step_input(step, steps)
    if head:
        step.input[CHAIN_HEAD] = head
    step.save(update_fields=["status", "attempts", "started_at", "input", "updated_at"])
    event_write(
        case=step.case,
        actor=None,
        kind="step_started",
        code="step_started",
        params={"step": step_names(step), "attempt": step.attempts},
        details={"step": step.key, "adapter": step.adapter_key, "attempt": step.attempts},
    )
    status_refresh(case=step.case, actor=None, now=now, steps=steps)
    return handler


# A chain (``step_run(chain=True)``) starts no further step after this many seconds: the rest
# goes through the broker again, well within the actor's time limit (120 s).
CHAIN_SECONDS = 20.0
# Key in a chained step's input: the step whose message runs the chain (see _chain_continuation).
CHAIN_HEAD = "chained_from"


def step_run(*, step_id: int, final_attempt: bool = True, chain: bool = False) -> CaseStep | None:
    """Run an automated step through its handler (called by ``cases.actors.run_step``).

    Idempotent: a step that is no longer pending is left alone. Without a registered handler,
    after a permanent error, or after a transient error on the final attempt the step becomes a
    manual task for a clerk with its input and the error. A transient error before the final
    attempt is re-raised so the job is retried.

    ``chain``: when the step succeeds and the case's next step is automated and can run now,
    the same transaction that completes the step marks the next one running, and it runs here
    without a broker round trip (one commit per step). The message stays unacknowledged until
    the chain ends, so a worker killed inside it has the message redelivered, and the
    redelivery continues with the step the chain left running (``_step_start``). A transient
    error in the chain is re-raised like any other: the retry of this message continues there.
    Returns the last step completed.
    """
    deadline = time.monotonic() + CHAIN_SECONDS
    step, handler = _step_start(step_id)
    completed = None
    while step is not None and handler is not None:
        output, accesses = _handler_call(step, handler, final_attempt=final_attempt)
        if output is None:
            return None
        keep_going = chain and time.monotonic() < deadline
        completed, step, handler = _step_succeeded(
            step_id=step.pk,
            output=output,
            chain_head=step_id if keep_going else None,
            accesses=accesses,
        )
    return completed


def _handler_call(
    step: CaseStep, handler: handlers.StepHandler, *, final_attempt: bool
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The handler's output (None when the step failed for good, handed to a clerk) and the
    register accesses it made."""
    call = step_call(step, step.input)
    with handlers.accesses_collected() as accesses:
        try:
            return handler(call) or {}, accesses
        except Exception as exc:
            # Handlers may raise cases.handlers' errors or let an adapter's own errors through:
            # anything that says it is not transient (``transient = False``) is permanent.
            permanent = isinstance(exc, handlers.PermanentStepError) or (
                getattr(exc, "transient", None) is False
            )
            message = str(getattr(exc, "message", "") or exc) or exc.__class__.__name__
            code = str(getattr(exc, "code", "") or "")
            error = f"{message} [{code}]" if code else message
            logger.warning("step %s failed: %s", step.idempotency_key, error)
            give_up = permanent or final_attempt
            _step_failed(
                step_id=step.pk,
                error=error,
                give_up=give_up,
                failure={"code": code, "message": message, "transient": not permanent},
                accesses=accesses,
            )
            if not give_up:
                raise
            return None, accesses


@transaction.atomic
def _step_failed(
    *,
    step_id: int,
    error: str,
    give_up: bool,
    failure: dict[str, Any] | None = None,
    accesses: list[dict[str, Any]] | None = None,
) -> None:
    locked = _lock_case_steps(step_id)
    if locked is None:
        return
    # DATA PROTECTION HOOK: the register accesses of this attempt (none: no statement).
    register_access_record(step=locked[0], accesses=accesses or ())
    if locked[0].status != StepStatus.RUNNING:
        return
    step, steps = locked
    if failure is not None:
        # For the cantonal office: failing adapters across communes (public, by value); in
        # this transaction, so a redelivered failure of the same attempt is recorded once.
        failure_record(step=step, handed_to_clerk=give_up, **failure)
    if give_up:
        _fallback(step=step, reason=error)
    else:
        step.status = StepStatus.FAILED
        step.last_error = error
        step.save()
        event_write(
            case=step.case,
            actor=None,
            kind="step_failed",
            code="step_failed",
            params={"step": step_names(step), "error": error},
            details={"step": step.key, "attempt": step.attempts},
        )
    status_refresh(case=step.case, actor=None, now=timezone.now(), steps=steps)


@transaction.atomic
def _step_succeeded(
    *,
    step_id: int,
    output: dict[str, Any],
    chain_head: int | None = None,
    accesses: list[dict[str, Any]] | None = None,
) -> tuple[CaseStep | None, CaseStep | None, handlers.StepHandler | None]:
    """Complete the running step and record its register accesses; with ``chain_head`` (the
    step of the message that runs the chain), start the next step if it can run now.

    Returns the completed step (None if it was no longer running) and the started next step
    with its handler (None, None when the case goes on through the broker or a clerk).
    """
    locked = _lock_case_steps(step_id)
    if locked is None:
        return None, None, None
    # DATA PROTECTION HOOK: the register accesses of this attempt (none: no statement).
    register_access_record(step=locked[0], accesses=accesses or ())
    if locked[0].status != StepStatus.RUNNING:
        return None, None, None
    step, steps = locked
    case = step.case
    now = timezone.now()
    step.status = StepStatus.DONE
    step.output = output
    step.last_error = ""
    step.completed_at = now
    step.save(update_fields=["status", "output", "last_error", "completed_at", "updated_at"])
    event_write(
        case=case,
        actor=None,
        kind="step_completed",
        **summary_event(
            output,
            with_summary="step_auto_done_summary",
            without="step_auto_done",
            step=step_names(step),
        ),
        # The timeline is not encrypted: identity numbers stay in the step's output only.
        details={
            "step": step.key,
            "adapter": step.adapter_key,
            "output": identity_numbers_masked(output),
        },
        visible=True,
    )
    following = current_step(case, steps)
    if chain_head and _runs_now(case, following):
        handler = _step_begin(following, steps, chain_head=chain_head)
        if handler is not None:
            return step, following, handler
        return step, None, None  # handed to a clerk; _step_begin refreshed the status
    case_advance(case=case, actor=None, now=now, steps=steps)
    if case.status == CaseStatus.COMPLETED:
        notify_on_commit(recipient=case.applicant, case=case)
    return step, None, None


def _runs_now(case: Case, step: CaseStep | None) -> bool:
    """Whether ``step`` is an automated step the machine would enqueue right now."""
    return (
        step is not None
        and case.is_open
        and case.stage == "automated"
        and step.kind == StepKind.AUTOMATED
        and step.status == StepStatus.PENDING
    )
