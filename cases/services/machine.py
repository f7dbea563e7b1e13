"""The process machine: running automated steps (``step_run``, called by
``cases.actors.run_step``), chaining a case's consecutive automated steps, and running pure
handlers inside the transaction that records their result."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from catalog.models import adapter_reads_register

from .. import handlers
from ..event_texts import step_names, summary_event
from ..fallbacks import IDENTITY_UNVERIFIED_REASON
from ..models import Case, CaseStatus, CaseStep, StepKind, StepStatus
from .access_log import identity_numbers_masked, register_access_record
from .core import current_step, event_write, events_batched, notify_on_commit, status_refresh
from .deferred import row_save, writes_deferred
from .failures import failure_record
from .identity import case_identity_verified
from .step_calls import step_call, step_input
from .steps import case_advance, case_steps_lock, step_fallback

logger = logging.getLogger(__name__)

# A chain (``step_run(chain=True)``) starts no further step after this many seconds: the rest
# goes through the broker again, well within the actor's time limit (120 s).
CHAIN_SECONDS = 20.0
# Key in a chained step's input: the step whose message runs the chain (see _chain_continuation).
CHAIN_HEAD = "chained_from"

# The fields a step's start sets (``_step_begin``).
_START_FIELDS = ["status", "attempts", "started_at", "input", "updated_at"]
_DONE_FIELDS = ["status", "output", "last_error", "completed_at", "updated_at"]

# (last step completed, step started and to be run outside the transaction, its handler)
Progress = tuple[CaseStep | None, CaseStep | None, handlers.StepHandler | None]


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

    A pure handler (``handlers.register(..., pure=True)``) runs inside the transaction that
    starts its step and records its result: no start mark of its own, no separate commit.
    Returns the last step completed.
    """
    deadline = time.monotonic() + CHAIN_SECONDS
    head = step_id if chain else None
    completed, step, handler = _step_start(step_id, chain_head=head, deadline=deadline)
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
            deadline=deadline,
        )
    return completed


def _step_start(step_id: int, *, chain_head: int | None, deadline: float) -> Progress:
    """Lock the step and mark it running (a pure one runs and completes right here); nothing
    when there is nothing (left) to run.

    A message whose step is already done continues a chain (``step_run(chain=True)``) that a
    killed worker left behind: when the case's current step is an automated one that the chain
    of this very message had started (running) or that failed in it, that step is run instead.
    """
    with transaction.atomic(), writes_deferred(), events_batched():
        locked = case_steps_lock(step_id)
        if locked is None:
            return None, None, None
        step, steps = locked
        if step.status == StepStatus.DONE:
            step = _chain_continuation(step.case, steps, head_id=step_id)
            if step is None:
                return None, None, None
        if step.kind != StepKind.AUTOMATED:
            return None, None, None
        if step.status not in (StepStatus.PENDING, StepStatus.FAILED, StepStatus.RUNNING):
            return None, None, None  # already done, skipped or handed to a clerk: idempotent
        if not step.case.is_open:
            return None, None, None
        current = current_step(step.case, steps)
        if current is None or current.pk != step.pk:
            return None, None, None
        if not handlers.handler_is_pure(step.adapter_key):
            _commit_without_flush()
        handler = _step_begin(step, steps)
        if handler is None:
            return None, None, None
        return _pure_steps_run(step, steps, handler, chain_head=chain_head, deadline=deadline)


def _commit_without_flush() -> None:
    """Commit the current transaction without waiting for its WAL flush (PostgreSQL's
    asynchronous commit: after a database crash it is either fully there or fully gone, never
    half). Only for the transaction that marks a message's first step running: it records no
    effect, and should a crash lose it, the step is as before, its message unacknowledged (or
    the sweeper's), and the step runs again with the same idempotency key. Completions keep
    durable commits (a pure step's completion too: it is not called here then)."""
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
    The start of a pure step is not written here: its completion writes it with its result
    (``_pure_steps_run``).
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
        step_fallback(step=step, reason=reason)
        status_refresh(case=step.case, actor=None, now=now, steps=steps)
        return None
    step.status = StepStatus.RUNNING
    step.attempts += 1
    step.started_at = now
    head = chain_head or (step.input or {}).get(CHAIN_HEAD)
    step.input = step_input(step, steps)
    if head:
        step.input[CHAIN_HEAD] = head
    if not handlers.handler_is_pure(step.adapter_key):
        row_save(step, _START_FIELDS)
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


def _pure_steps_run(
    step: CaseStep,
    steps: list[CaseStep],
    handler: handlers.StepHandler,
    *,
    chain_head: int | None,
    deadline: float,
) -> Progress:
    """Run the just started ``step`` here if its handler is pure, and so on with each pure step
    the chain starts next, all in the caller's transaction. Returns what is left to run outside
    (a step with effects, or a pure step whose handler raised: it is saved as running, and
    called again outside, where its error is handled)."""
    completed = None
    while step is not None and handler is not None and handlers.handler_is_pure(step.adapter_key):
        try:
            output = handler(step_call(step, step.input)) or {}
        except Exception:
            row_save(step, _START_FIELDS)
            break
        keep_going = chain_head is not None and time.monotonic() < deadline
        completed, step, handler = _step_done(
            step, steps, output=output, chain_head=chain_head if keep_going else None, pure=True
        )
    return completed, step, handler


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


def _step_failed(
    *,
    step_id: int,
    error: str,
    give_up: bool,
    failure: dict[str, Any] | None = None,
    accesses: list[dict[str, Any]] | None = None,
) -> None:
    with transaction.atomic(), writes_deferred(), events_batched():
        locked = case_steps_lock(step_id)
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
            step_fallback(step=step, reason=error)
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


def _step_succeeded(
    *,
    step_id: int,
    output: dict[str, Any],
    chain_head: int | None = None,
    accesses: list[dict[str, Any]] | None = None,
    deadline: float = 0.0,
) -> Progress:
    """Complete the running step and record its register accesses; with ``chain_head`` (the
    step of the message that runs the chain), start the next step if it can run now (and run
    it here if it is pure, see ``_pure_steps_run``, until ``deadline``).

    Returns the last step completed (None if the step was no longer running) and the started
    next step with its handler (None, None when the case goes on through the broker or a clerk).
    """
    with transaction.atomic(), writes_deferred(), events_batched():
        locked = case_steps_lock(step_id)
        if locked is None:
            return None, None, None
        # DATA PROTECTION HOOK: the register accesses of this attempt (none: no statement).
        register_access_record(step=locked[0], accesses=accesses or ())
        if locked[0].status != StepStatus.RUNNING:
            return None, None, None
        step, steps = locked
        completed, following, handler = _step_done(
            step, steps, output=output, chain_head=chain_head
        )
        if following is None or handler is None:
            return completed, None, None
        completed_here, following, handler = _pure_steps_run(
            following, steps, handler, chain_head=chain_head, deadline=deadline
        )
        return completed_here or completed, following, handler


def _step_done(
    step: CaseStep,
    steps: list[CaseStep],
    *,
    output: dict[str, Any],
    chain_head: int | None,
    pure: bool = False,
) -> Progress:
    """Mark the locked, running ``step`` done with ``output`` (``pure``: its start is written
    with it) and start the next step if the chain goes on; else advance the case."""
    case = step.case
    now = timezone.now()
    step.status = StepStatus.DONE
    step.output = output
    step.last_error = ""
    step.completed_at = now
    row_save(step, _START_FIELDS + _DONE_FIELDS[1:-1] if pure else _DONE_FIELDS)
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
