"""Chained steps (``step_run(chain=True)``, what ``cases.actors.run_step`` does on a first
delivery): a case's consecutive automated steps run in one message, one commit per step."""

import dramatiq
import pytest

from cases import handlers
from cases.actors import run_step
from cases.models import CaseStatus, StepStatus
from cases.services import case_submit, step_run
from catalog.offers.models import Stage

from .factories import offer, service_with_steps

pytestmark = pytest.mark.django_db

KEYS = ("test.chain_a", "test.chain_b", "test.chain_c")


class WorkerKilled(BaseException):
    """Stands for SIGKILL inside a handler: nothing in the machine catches it."""


def _service(kriens, in_commune, *, last_manual: bool = False):
    steps = [
        {"key": f"schritt-{i}", "kind": "automated", "adapter": key}
        for i, key in enumerate(KEYS, start=1)
    ]
    if last_manual:
        steps[-1] = {"key": "schritt-3", "kind": "manual", "group": "Einwohnerdienste"}
    version = service_with_steps(key="kette-test", steps=steps)
    with in_commune(kriens):
        offer(version, stage=Stage.AUTOMATED)


@pytest.fixture
def calls():
    seen = []

    def record(key):
        def handler(call: handlers.StepCall) -> dict:
            seen.append((key, call.idempotency_key))
            return {"step": key}

        return handler

    for key in KEYS:
        handlers.register(key)(record(key))
    yield seen
    for key in KEYS:
        handlers.unregister(key)


def _submit(people):
    return case_submit(user=people["resident"], service_key="kette-test", data={"reason": "x"})


def _steps_queued(broker) -> int:
    queue = broker.queues.get("steps")
    return 0 if queue is None else queue.qsize()


def test_chain_runs_every_automated_step_in_one_message_without_enqueueing(
    kriens, in_commune, kriens_setup, calls, django_capture_on_commit_callbacks
):
    """One call runs the three automated steps in order, each once with its own event pair,
    completes the case, and sends no further message."""
    _service(kriens, in_commune)
    broker = dramatiq.get_broker()
    with in_commune(kriens):
        case = _submit(kriens_setup)
        first = case.steps.get(position=1)
        broker.flush_all()
        with django_capture_on_commit_callbacks(execute=True):
            last = step_run(step_id=first.pk, chain=True)
        case.refresh_from_db()
        assert case.status == CaseStatus.COMPLETED
        assert [k for k, _ in calls] == list(KEYS)
        assert last.position == 3
        steps = list(case.steps.order_by("position"))
        assert [(s.status, s.attempts) for s in steps] == [(StepStatus.DONE, 1)] * 3
        assert steps[1].input["previous_outputs"] == {"schritt-1": {"step": KEYS[0]}}
        assert case.events.filter(kind="step_started").count() == 3
        assert case.events.filter(kind="step_completed").count() == 3
    assert _steps_queued(broker) == 0


def test_chain_stops_at_a_manual_step(kriens, in_commune, kriens_setup, calls):
    """The chain hands over to the clerk where the next step is manual: nothing runs it."""
    _service(kriens, in_commune, last_manual=True)
    with in_commune(kriens):
        case = _submit(kriens_setup)
        step_run(step_id=case.steps.get(position=1).pk, chain=True)
        steps = list(case.steps.order_by("position"))
        assert [s.status for s in steps] == [StepStatus.DONE, StepStatus.DONE, StepStatus.PENDING]
        case.refresh_from_db()
        assert case.status == CaseStatus.IN_PROGRESS
    assert [k for k, _ in calls] == list(KEYS[:2])


def test_without_chain_the_next_step_goes_through_the_broker(
    kriens, in_commune, kriens_setup, calls, django_capture_on_commit_callbacks
):
    """A retried message (``chain`` off) completes its step and enqueues the next one."""
    _service(kriens, in_commune)
    broker = dramatiq.get_broker()
    with in_commune(kriens):
        case = _submit(kriens_setup)
        broker.flush_all()
        with django_capture_on_commit_callbacks(execute=True):
            step_run(step_id=case.steps.get(position=1).pk)
        second = case.steps.get(position=2)
        assert second.status == StepStatus.PENDING and second.attempts == 0
    assert _steps_queued(broker) == 1
    assert dramatiq.Message.decode(broker.queues["steps"].get()).args == (second.pk,)
    broker.flush_all()


def test_redelivered_message_continues_a_chain_a_killed_worker_left(
    kriens, in_commune, kriens_setup, calls
):
    """Killed inside the second step: the first step's message is redelivered and runs the
    second step again (same idempotency key, second attempt) and the third; nothing twice
    that had completed."""
    _service(kriens, in_commune)
    killed = []

    @handlers.register(KEYS[1])
    def dies_once(call: handlers.StepCall) -> dict:
        calls.append((KEYS[1], call.idempotency_key))
        if not killed:
            killed.append(call.idempotency_key)
            raise WorkerKilled
        return {"step": KEYS[1]}

    with in_commune(kriens):
        case = _submit(kriens_setup)
        first = case.steps.get(position=1)
        with pytest.raises(WorkerKilled):
            step_run(step_id=first.pk, chain=True)
        second = case.steps.get(position=2)
        assert second.status == StepStatus.RUNNING and second.attempts == 1

        step_run(step_id=first.pk, chain=True)  # the broker's redelivery

        steps = list(case.steps.order_by("position"))
        assert [(s.status, s.attempts) for s in steps] == [
            (StepStatus.DONE, 1),
            (StepStatus.DONE, 2),
            (StepStatus.DONE, 1),
        ]
        case.refresh_from_db()
        assert case.status == CaseStatus.COMPLETED
        assert case.events.filter(kind="step_completed").count() == 3
    assert [k for k, _ in calls] == [KEYS[0], KEYS[1], KEYS[1], KEYS[2]]
    assert calls[1][1] == calls[2][1] == f"{case.pk}:2"


def test_transient_error_in_a_chain_is_retried_through_the_first_message(
    kriens, in_commune, kriens_setup, calls
):
    """A transient failure of a chained step re-raises (the message is retried) and leaves the
    step failed; the retry of the first step's message runs it and the rest."""
    _service(kriens, in_commune)
    failures = []

    @handlers.register(KEYS[1])
    def flaky(call: handlers.StepCall) -> dict:
        if not failures:
            failures.append(call.idempotency_key)
            raise handlers.TransientStepError("Register antwortet nicht (HTTP 503)")
        return {"step": KEYS[1]}

    with in_commune(kriens):
        case = _submit(kriens_setup)
        first = case.steps.get(position=1)
        with pytest.raises(handlers.TransientStepError):
            step_run(step_id=first.pk, final_attempt=False, chain=True)
        second = case.steps.get(position=2)
        assert second.status == StepStatus.FAILED and "503" in second.last_error
        assert case.steps.get(position=3).status == StepStatus.PENDING

        step_run(step_id=first.pk, final_attempt=False)  # the retry (not chained)

        second.refresh_from_db()
        assert second.status == StepStatus.DONE and second.attempts == 2
        third = case.steps.get(position=3)
        assert third.status == StepStatus.PENDING  # the retry enqueued it instead


def test_done_step_whose_next_step_is_pending_runs_nothing(kriens, in_commune, kriens_setup, calls):
    """A stale message for a done step does not run a next step that has its own message."""
    _service(kriens, in_commune)
    with in_commune(kriens):
        case = _submit(kriens_setup)
        first = case.steps.get(position=1)
        step_run(step_id=first.pk)
        assert step_run(step_id=first.pk, chain=True) is None
        second = case.steps.get(position=2)
        assert second.status == StepStatus.PENDING and second.attempts == 0
    assert [k for k, _ in calls] == [KEYS[0]]


def test_actor_chains_on_first_delivery_only(kriens, in_commune, kriens_setup, calls):
    """``run_step`` outside a message (as after its retries) does not chain."""
    _service(kriens, in_commune)
    with in_commune(kriens):
        case = _submit(kriens_setup)
        run_step.fn(case.steps.get(position=1).pk)
        assert case.steps.get(position=2).status == StepStatus.PENDING


def test_stale_message_of_another_done_step_does_not_run_a_chained_step(
    kriens, in_commune, kriens_setup, calls
):
    """A chain killed in its third step: a message of the (done) second step, as the sweeper
    might have sent it while that step was slow, leaves the chain's step alone; only the
    redelivery of the chain's own message continues it."""
    _service(kriens, in_commune)

    @handlers.register(KEYS[2])
    def dies(call: handlers.StepCall) -> dict:
        calls.append((KEYS[2], call.idempotency_key))
        if len([k for k, _ in calls if k == KEYS[2]]) == 1:
            raise WorkerKilled
        return {"step": KEYS[2]}

    with in_commune(kriens):
        case = _submit(kriens_setup)
        first, second, third = case.steps.order_by("position")
        with pytest.raises(WorkerKilled):
            step_run(step_id=first.pk, chain=True)
        third.refresh_from_db()
        assert third.status == StepStatus.RUNNING and third.input["chained_from"] == first.pk

        assert step_run(step_id=second.pk, chain=True) is None
        third.refresh_from_db()
        assert third.status == StepStatus.RUNNING and third.attempts == 1

        step_run(step_id=first.pk, chain=True)
        third.refresh_from_db()
        assert third.status == StepStatus.DONE and third.attempts == 2
    assert [k for k, _ in calls] == [KEYS[0], KEYS[1], KEYS[2], KEYS[2]]
