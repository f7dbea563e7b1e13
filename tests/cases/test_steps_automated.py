import dramatiq
import pytest

from cases import handlers
from cases.actors import run_step
from cases.models import CaseStatus, StepStatus
from cases.services import case_submit, step_complete, step_retry, step_run
from catalog.offers.models import Stage
from tenants.jobs import SCHEMA_OPTION

from .factories import offer, service_with_steps

pytestmark = pytest.mark.django_db

STEPS = [
    {"key": "identifizieren", "kind": "automated", "adapter": "test.identify"},
    {"key": "bestaetigen", "kind": "manual", "group": "Einwohnerdienste"},
]


@pytest.fixture
def automated(kriens, in_commune, kriens_setup):
    version = service_with_steps(key="automatisch-test", steps=STEPS)
    with in_commune(kriens):
        offer(version, stage=Stage.AUTOMATED)
    yield kriens_setup
    handlers.unregister("test.identify")


def _submit(people):
    return case_submit(
        user=people["resident"], service_key="automatisch-test", data={"reason": "x"}
    )


def test_stage_form_hands_automated_steps_to_a_clerk(kriens, in_commune, kriens_setup):
    """At stage form an automated step becomes a manual task at once, with the reason."""
    version = service_with_steps(key="formular-test", steps=STEPS)
    with in_commune(kriens):
        offer(version, stage=Stage.FORM)
        case = case_submit(
            user=kriens_setup["resident"], service_key="formular-test", data={"reason": "x"}
        )
        step = case.steps.get(position=1)
        assert step.status == StepStatus.MANUAL_FALLBACK
        assert "Formular" in step.last_error
        assert case.events.filter(kind="step_manual_fallback").exists()
        # the step's group was granted although the automated step names none
        step_complete(step_id=step.pk, user=kriens_setup["clerk"])
        step.refresh_from_db()
        assert step.status == StepStatus.DONE


def test_submission_enqueues_the_step_after_commit_in_the_commune(
    kriens, in_commune, automated, django_capture_on_commit_callbacks
):
    """At stage automated the first step is enqueued once the transaction commits, stamped with
    the commune's schema."""
    broker = dramatiq.get_broker()
    broker.flush_all()
    with in_commune(kriens):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            case = _submit(automated)
        assert broker.queues.get("steps") is None or broker.queues["steps"].qsize() == 0
        for callback in callbacks:
            callback()
    queued = broker.queues["steps"]
    assert queued.qsize() == 1
    message = dramatiq.Message.decode(queued.get())
    step = None
    with in_commune(kriens):
        step = case.steps.get(position=1)
        assert message.args == (step.pk,)
        assert step.status == StepStatus.PENDING
    assert message.options[SCHEMA_OPTION] == kriens.schema_name
    broker.flush_all()


def test_unregistered_adapter_falls_back_to_a_clerk(kriens, in_commune, automated):
    """Without a handler for its adapter key the step becomes a manual task with the reason;
    the case is not lost and stays in the inbox."""
    with in_commune(kriens):
        case = _submit(automated)
        step = case.steps.get(position=1)
        run_step.fn(step.pk)
        step.refresh_from_db()
        assert step.status == StepStatus.MANUAL_FALLBACK
        assert "test.identify" in step.last_error
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED
        assert case.events.filter(kind="step_manual_fallback").exists()


def test_successful_handler_completes_step_once(kriens, in_commune, automated):
    """A handler's result is stored, the next step starts, and a redelivered message does
    nothing a second time."""
    calls = []

    @handlers.register("test.identify")
    def identify(call: handlers.StepCall) -> dict:
        calls.append(call.idempotency_key)
        assert call.data == {"reason": "x"}
        return {"person_id": "4711"}

    with in_commune(kriens):
        case = _submit(automated)
        step = case.steps.get(position=1)
        step_run(step_id=step.pk)
        step_run(step_id=step.pk)  # redelivery
        step.refresh_from_db()
        assert step.status == StepStatus.DONE and step.output == {"person_id": "4711"}
        assert step.attempts == 1 and calls == [f"{case.pk}:1"]
        assert step.input["reference"] == case.reference
        case.refresh_from_db()
        assert case.status == CaseStatus.IN_PROGRESS
        assert step.completed_by is None


def test_transient_error_is_retried_then_handed_to_a_clerk(kriens, in_commune, automated):
    """A transient failure re-raises (the job retries) and leaves the step failed; on the final
    attempt it becomes a manual task carrying the last error, which a clerk can retry."""

    @handlers.register("test.identify")
    def identify(call):
        raise handlers.TransientStepError("Register antwortet nicht (HTTP 503)")

    with in_commune(kriens):
        case = _submit(automated)
        step = case.steps.get(position=1)
        with pytest.raises(handlers.TransientStepError):
            step_run(step_id=step.pk, final_attempt=False)
        step.refresh_from_db()
        assert step.status == StepStatus.FAILED and "503" in step.last_error
        step_run(step_id=step.pk, final_attempt=True)
        step.refresh_from_db()
        assert step.status == StepStatus.MANUAL_FALLBACK and step.attempts == 2
        assert "503" in step.last_error
        assert step.input["data"] == {"reason": "x"}
        step_retry(step_id=step.pk, user=automated["clerk"])
        step.refresh_from_db()
        assert step.status == StepStatus.PENDING
        assert case.events.filter(kind="step_retry", actor=automated["clerk"]).exists()


def test_permanent_error_goes_to_a_clerk_at_once(kriens, in_commune, automated):
    """A permanent failure is not retried: the step becomes a manual task immediately."""

    @handlers.register("test.identify")
    def identify(call):
        raise handlers.PermanentStepError("Person im Register nicht gefunden")

    with in_commune(kriens):
        case = _submit(automated)
        step = case.steps.get(position=1)
        step_run(step_id=step.pk, final_attempt=False)
        step.refresh_from_db()
        assert step.status == StepStatus.MANUAL_FALLBACK
        assert step.last_error == "Person im Register nicht gefunden"


def test_only_automated_last_step_completes_case_without_clerk(kriens, in_commune, kriens_setup):
    """A service whose steps are all automated completes with no clerk involved."""
    version = service_with_steps(
        key="voll-automatisch",
        steps=[{"key": "ausstellen", "kind": "automated", "adapter": "test.identify"}],
    )

    @handlers.register("test.identify")
    def identify(call):
        return {"ok": True}

    try:
        with in_commune(kriens):
            offer(version, stage=Stage.AUTOMATED)
            case = case_submit(
                user=kriens_setup["resident"], service_key="voll-automatisch", data={"reason": "x"}
            )
            step_run(step_id=case.steps.get().pk)
            case.refresh_from_db()
            assert case.status == CaseStatus.COMPLETED
            assert case.decided_by is None
    finally:
        handlers.unregister("test.identify")


def test_sweeper_resends_lost_steps_only(
    kriens, in_commune, automated, django_capture_on_commit_callbacks
):
    """A pending automated step older than the grace period is enqueued again; a fresh one,
    a finished one and a manual fallback are left alone."""
    import datetime as dt

    from django.utils import timezone

    from cases.models import CaseStep
    from cases.services import steps_sweep

    broker = dramatiq.get_broker()
    broker.flush_all()
    with in_commune(kriens):
        lost = _submit(automated)
        fresh = _submit(automated)
        handed_over = _submit(automated)
        handed_over_step = handed_over.steps.get(position=1)
        step_run(step_id=handed_over_step.pk)  # no handler → manual fallback
        old = timezone.now() - dt.timedelta(minutes=30)
        CaseStep.objects.filter(case__in=[lost, handed_over]).update(updated_at=old)
        with django_capture_on_commit_callbacks(execute=True):
            assert steps_sweep() == 1
        lost_step = lost.steps.get(position=1)
        assert lost_step.updated_at > old
        with django_capture_on_commit_callbacks(execute=True):
            assert steps_sweep() == 0  # touched: waits for the next grace period
        assert fresh.steps.get(position=1).status == StepStatus.PENDING
    message = dramatiq.Message.decode(broker.queues["steps"].get())
    assert message.args == (lost_step.pk,)
    broker.flush_all()


def test_inbox_lists_failed_automations(kriens, in_commune, automated, logged_in):
    """Cases whose automated step fell back to a clerk are counted and filterable."""
    with in_commune(kriens):
        failed = _submit(automated)
        _submit(automated)
        step_run(step_id=failed.steps.get(position=1).pk)
    client = logged_in(kriens, automated["clerk"])
    response = client.get("/backoffice/?stoerung=1")
    assert response.context["counts"]["disrupted"] == 1
    assert [c.pk for c in response.context["page"]] == [failed.pk]
    # the row carries a badge besides the filter link
    assert response.content.decode().count("Automatisierung gescheitert") == 2


def test_adapter_errors_are_classified_by_their_transient_flag(kriens, in_commune, automated):
    """An adapter error that says ``transient = False`` is permanent even if the handler lets
    it through unchanged; its German message and code end up in last_error."""

    class RegisterRefused(Exception):
        transient = False

        def __init__(self):
            super().__init__("Negative Quittung des Registers")
            self.message = "Negative Quittung des Registers"
            self.code = "nack"

    @handlers.register("test.identify")
    def identify(call):
        raise RegisterRefused

    with in_commune(kriens):
        case = _submit(automated)
        step = case.steps.get(position=1)
        step_run(step_id=step.pk, final_attempt=False)
        step.refresh_from_db()
        assert step.status == StepStatus.MANUAL_FALLBACK
        assert step.last_error == "Negative Quittung des Registers [nack]"


def test_generated_document_is_stored_once(kriens, in_commune, automated):
    """A step that stores its PDF and is delivered again does not store it twice."""
    from cases.models import Document
    from cases.services import document_generated_add

    @handlers.register("test.identify")
    def identify(call):
        from cases.models import Case

        case = Case.objects.get(pk=call.case_id)
        doc = document_generated_add(
            case=case,
            step_key=call.step_key,
            name="wohnsitzbestaetigung.pdf",
            content=b"%PDF-1.4 test",
            content_type="application/pdf",
        )
        return {"document": str(doc.pk)}

    with in_commune(kriens):
        case = _submit(automated)
        step = case.steps.get(position=1)
        identify(
            handlers.StepCall(
                case_id=case.pk,
                reference=case.reference,
                service_key="automatisch-test",
                step_key=step.key,
                adapter_key="test.identify",
                idempotency_key=step.idempotency_key,
                data={},
            )
        )  # a first delivery that died before recording its result
        step_run(step_id=step.pk)
        assert Document.objects.filter(case=case).count() == 1
        document = Document.objects.get(case=case)
        assert document.kind == Document.Kind.GENERATED and document.visible_to_resident


def test_step_lost_between_steps_is_picked_up_within_a_minute(
    kriens, in_commune, automated, django_capture_on_commit_callbacks, settings
):
    """A step whose message was lost (worker killed between two steps) is sent again by the
    first sweep after 30 s; with the scheduler's 20 s tick that is within a minute."""
    import datetime as dt

    from django.utils import timezone

    from cases.models import CaseStep
    from cases.services import steps_sweep

    assert settings.SCHEDULER_TICK_SECONDS + 30 <= 60
    dramatiq.get_broker().flush_all()
    with in_commune(kriens):
        lost = _submit(automated)
        now = timezone.now()
        CaseStep.objects.filter(case=lost).update(updated_at=now - dt.timedelta(seconds=25))
        with django_capture_on_commit_callbacks(execute=True):
            assert steps_sweep(now=now) == 0  # maybe still on its way
        with django_capture_on_commit_callbacks(execute=True):
            assert steps_sweep(now=now + dt.timedelta(seconds=10)) == 1
