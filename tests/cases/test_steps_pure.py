"""Pure step handlers (``handlers.register(key, pure=True)``): run inside the transaction that
records their result, without a start mark of their own; errors handled as for any handler."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import handlers
from cases.models import CaseStatus, StepStatus
from cases.services import case_submit, step_run
from catalog.offers.models import Stage

from .factories import offer, service_with_steps

pytestmark = pytest.mark.django_db

# pure, with effects, pure
KEYS = ("test.pure_a", "test.effects_b", "test.pure_c")


class WorkerKilled(BaseException):
    """Stands for SIGKILL inside a handler: nothing in the machine catches it."""


@pytest.fixture
def calls():
    seen = []

    def record(key):
        def handler(call: handlers.StepCall) -> dict:
            seen.append((key, call.idempotency_key))
            return {"step": key, "previous": sorted(call.previous_outputs)}

        return handler

    for key in KEYS:
        handlers.register(key, pure=key.startswith("test.pure"))(record(key))
    yield seen
    for key in KEYS:
        handlers.unregister(key)


@pytest.fixture
def case(kriens, in_commune, kriens_setup):
    steps = [
        {"key": f"schritt-{i}", "kind": "automated", "adapter": key}
        for i, key in enumerate(KEYS, start=1)
    ]
    version = service_with_steps(key="rein-test", steps=steps)
    with in_commune(kriens):
        offer(version, stage=Stage.AUTOMATED)
        yield case_submit(
            user=kriens_setup["resident"], service_key="rein-test", data={"reason": "x"}
        )


def _step_writes(queries) -> int:
    # A query string may carry several writes (cases.services.deferred): each counts.
    return sum(q["sql"].count('UPDATE "cases_casestep"') for q in queries)


def test_pure_steps_complete_with_one_write_each_and_the_same_timeline(case, calls):
    """A chain of pure, effectful, pure: every handler once, in order, with the outputs before
    it; each pure step is written once (start and result together), the effectful one twice;
    each step has its started and completed event, in this order."""
    with CaptureQueriesContext(connection) as queries:
        step_run(step_id=case.steps.get(position=1).pk, chain=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert [k for k, _ in calls] == list(KEYS)
    steps = list(case.steps.order_by("position"))
    assert [(s.status, s.attempts) for s in steps] == [(StepStatus.DONE, 1)] * 3
    assert all(s.started_at and s.completed_at >= s.started_at for s in steps)
    assert steps[2].output["previous"] == ["schritt-1", "schritt-2"]
    assert _step_writes(queries.captured_queries) == 4
    timeline = [(e.kind, e.details.get("step")) for e in case.events.order_by("created_at", "id")]
    steps_only = [t for t in timeline if t[0] in ("step_started", "step_completed")]
    assert steps_only == [
        (kind, f"schritt-{i}") for i in (1, 2, 3) for kind in ("step_started", "step_completed")
    ]


def test_pure_handler_error_is_handled_like_any_handlers(case, calls):
    """A pure handler that raises a transient error is called again outside the transaction:
    the step ends failed with the error (attempt 1) and the message is retried; on the final
    attempt it goes to a clerk."""
    attempts = []

    @handlers.register(KEYS[0], pure=True)
    def flaky(call: handlers.StepCall) -> dict:
        attempts.append(call.idempotency_key)
        raise handlers.TransientStepError("Berechnung nicht möglich")

    first = case.steps.get(position=1)
    with pytest.raises(handlers.TransientStepError):
        step_run(step_id=first.pk, final_attempt=False, chain=True)
    first.refresh_from_db()
    assert first.status == StepStatus.FAILED and first.attempts == 1
    assert "Berechnung" in first.last_error
    assert len(attempts) == 2  # inside the transaction, then outside with the error handling
    step_run(step_id=first.pk, final_attempt=True)
    first.refresh_from_db()
    assert first.status == StepStatus.MANUAL_FALLBACK and first.attempts == 2
    assert case.steps.get(position=2).status == StepStatus.PENDING
    assert calls == []


def test_killed_inside_a_pure_step_leaves_nothing_and_the_redelivery_runs_it(case, calls):
    """Killed inside a pure handler: the transaction is gone, the step is as before (pending,
    no attempt, no event); the redelivery runs the whole chain."""
    killed = []

    @handlers.register(KEYS[0], pure=True)
    def dies_once(call: handlers.StepCall) -> dict:
        if not killed:
            killed.append(call.idempotency_key)
            raise WorkerKilled
        return {"step": KEYS[0]}

    first = case.steps.get(position=1)
    with pytest.raises(WorkerKilled):
        step_run(step_id=first.pk, chain=True)
    first.refresh_from_db()
    assert first.status == StepStatus.PENDING and first.attempts == 0
    assert not case.events.filter(kind="step_started").exists()

    step_run(step_id=first.pk, chain=True)
    steps = list(case.steps.order_by("position"))
    assert [(s.status, s.attempts) for s in steps] == [(StepStatus.DONE, 1)] * 3
    assert [k for k, _ in calls] == list(KEYS[1:])


def test_the_applicants_profile_is_read_once_per_transaction_not_per_step(case, calls):
    """The steps a transaction starts share one reading of the applicant's profile (a query
    of the default profile source): pure a and effectful b start in the first transaction,
    pure c in the one that completes b. Every step's input still holds the applicant."""
    with CaptureQueriesContext(connection) as queries:
        step_run(step_id=case.steps.get(position=1).pk, chain=True)
    reads = [q for q in queries.captured_queries if '"accounts_residentprofile"' in q["sql"]]
    assert len(reads) == 2
    steps = list(case.steps.order_by("position"))
    applicants = [s.input["applicant"] for s in steps]
    assert applicants[0]["email"] == case.applicant.email
    assert applicants[0] == applicants[1] == applicants[2]
