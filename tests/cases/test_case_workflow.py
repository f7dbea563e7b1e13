import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.calendar import add_working_days
from cases.models import Case, CaseStatus, Document, Message, StepStatus
from cases.services import (
    InvalidTransition,
    case_answer_info,
    case_assign,
    case_decide,
    case_note_add,
    case_request_info,
    case_submit,
    case_withdraw,
    message_send,
    step_complete,
)

from .factories import offer, service_with_steps

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name="verfuegung.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _submit(people, key="parkkarte-test", **data):
    return case_submit(user=people["resident"], service_key=key, data={"reason": "x", **data})


def _kinds(case):
    return list(case.events.order_by("created_at", "id").values_list("kind", flat=True))


def test_assign_moves_case_in_progress_with_events(kriens, in_commune, kriens_setup):
    """Assigning a clerk of the group puts the case in progress and writes an internal
    'assigned' event and a visible status event."""
    with in_commune(kriens):
        case = _submit(kriens_setup)
        case_assign(case=case, user=kriens_setup["clerk"], assignee=kriens_setup["colleague"])
        case.refresh_from_db()
        assert case.assignee == kriens_setup["colleague"]
        assert case.status == CaseStatus.IN_PROGRESS
        assert _kinds(case) == ["submitted", "assigned", "status"]
        assigned = case.events.get(kind="assigned")
        assert assigned.actor == kriens_setup["clerk"] and not assigned.visible_to_resident


def test_assign_to_clerk_of_another_group_is_refused(kriens, in_commune, kriens_setup):
    """A clerk outside the case's groups cannot be made its assignee; nothing changes."""
    with in_commune(kriens):
        case = _submit(kriens_setup)
        with pytest.raises(ValidationError):
            case_assign(
                case=case, user=kriens_setup["clerk"], assignee=kriens_setup["stranger_clerk"]
            )
        case.refresh_from_db()
        assert case.assignee is None and _kinds(case) == ["submitted"]


def test_clerk_of_another_group_cannot_act(kriens, in_commune, kriens_setup):
    """A clerk of another group (and the applicant) cannot assign, note, ask or decide."""
    with in_commune(kriens):
        case = _submit(kriens_setup)
        for user in (kriens_setup["stranger_clerk"], kriens_setup["resident"]):
            with pytest.raises(PermissionDenied):
                case_assign(case=case, user=user, assignee=user)
            with pytest.raises(PermissionDenied):
                case_note_add(case=case, user=user, text="x")
            with pytest.raises(PermissionDenied):
                case_request_info(case=case, user=user, question="?")
            with pytest.raises(PermissionDenied):
                case_decide(case=case, user=user, approve=False, reason="nein")
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED and _kinds(case) == ["submitted"]


def test_admin_can_act_on_every_case(kriens, in_commune, kriens_setup):
    """A commune administrator may work on every case of the commune."""
    with in_commune(kriens):
        case = _submit(kriens_setup)
        case_note_add(case=case, user=kriens_setup["admin"], text="Admin war hier")
        assert case.events.filter(kind="note", actor=kriens_setup["admin"]).exists()


def test_completing_the_last_step_completes_the_case(kriens, in_commune, kriens_setup):
    """Steps are done in order; the last one completes the case."""
    version = service_with_steps(
        key="zwei-schritte",
        steps=[
            {"key": "pruefen", "kind": "manual", "group": "Einwohnerdienste"},
            {"key": "ausstellen", "kind": "manual", "group": "Einwohnerdienste"},
        ],
    )
    with in_commune(kriens):
        offer(version)
        case = _submit(kriens_setup, key="zwei-schritte")
        first, second = case.steps.order_by("position")
        with pytest.raises(InvalidTransition):
            step_complete(step_id=second.pk, user=kriens_setup["clerk"])
        step_complete(step_id=first.pk, user=kriens_setup["clerk"])
        case.refresh_from_db()
        assert case.status == CaseStatus.IN_PROGRESS
        step_complete(step_id=second.pk, user=kriens_setup["clerk"])
        case.refresh_from_db()
        assert case.status == CaseStatus.COMPLETED
        assert case.decision == Case.Decision.APPROVED and case.closed_at is not None
        assert _kinds(case).count("step_completed") == 2
        with pytest.raises(InvalidTransition):
            step_complete(step_id=second.pk, user=kriens_setup["clerk"])


def test_request_info_pauses_the_clock_and_answer_resumes_it(kriens, in_commune, kriens_setup):
    """Asking the resident sets 'waiting for resident' and pauses the clock; the answer
    resumes it and the working days of the pause push the due date back."""
    with in_commune(kriens):
        case = _submit(kriens_setup)
        original_due = case.due_date
        monday = timezone.make_aware(dt.datetime(2026, 11, 23, 9, 0))
        with mock.patch("django.utils.timezone.now", return_value=monday):
            case_request_info(case=case, user=kriens_setup["clerk"], question="Welches Auto?")
        case.refresh_from_db()
        assert case.status == CaseStatus.WAITING_FOR_RESIDENT and case.awaiting_info
        assert case.paused_since == monday
        with pytest.raises(InvalidTransition):
            case_request_info(case=case, user=kriens_setup["clerk"], question="Noch was?")
        thursday = monday + dt.timedelta(days=3)
        with mock.patch("django.utils.timezone.now", return_value=thursday):
            case_answer_info(case=case, user=kriens_setup["resident"], answer="LU 12345")
        case.refresh_from_db()
        assert case.status != CaseStatus.WAITING_FOR_RESIDENT and not case.awaiting_info
        assert case.paused_since is None and case.paused_days == 3
        assert case.due_date == add_working_days(original_due, 3)
        assert list(Message.objects.filter(case=case).values_list("from_resident", flat=True)) == [
            False,
            True,
        ]
        assert {"info_requested", "info_answered"} <= set(_kinds(case))


def test_answer_without_request_is_refused(kriens, in_commune, kriens_setup):
    """The resident can only answer an open information request."""
    with in_commune(kriens):
        case = _submit(kriens_setup)
        with pytest.raises(InvalidTransition):
            case_answer_info(case=case, user=kriens_setup["resident"], answer="hallo")
        assert not Message.objects.exists()


def test_approve_needs_a_document_and_completes(kriens, in_commune, kriens_setup):
    """Approving without a document is refused; with one, the case is completed, the document
    visible to the resident, and every step done."""
    with in_commune(kriens):
        case = _submit(kriens_setup)
        with pytest.raises(ValidationError):
            case_decide(case=case, user=kriens_setup["clerk"], approve=True)
        case.refresh_from_db()
        assert case.status == CaseStatus.SUBMITTED
        case_decide(case=case, user=kriens_setup["clerk"], approve=True, document=_pdf())
        case.refresh_from_db()
        assert case.status == CaseStatus.COMPLETED
        assert case.decided_by == kriens_setup["clerk"]
        document = Document.objects.get(case=case)
        assert document.kind == Document.Kind.DECISION and document.visible_to_resident
        assert set(case.steps.values_list("status", flat=True)) == {StepStatus.DONE}
        assert "decided" in _kinds(case)


def test_reject_needs_a_reason(kriens, in_commune, kriens_setup):
    """Rejecting needs a reason; the reason is stored and shown in the visible timeline."""
    with in_commune(kriens):
        case = _submit(kriens_setup)
        with pytest.raises(ValidationError):
            case_decide(case=case, user=kriens_setup["clerk"], approve=False, reason=" ")
        case_decide(
            case=case, user=kriens_setup["clerk"], approve=False, reason="Keine Parkplätze frei"
        )
        case.refresh_from_db()
        assert case.status == CaseStatus.REJECTED
        assert case.decision_reason == "Keine Parkplätze frei"
        assert case.events.filter(
            kind="decided", visible_to_resident=True, text__contains="Keine Parkplätze"
        ).exists()
        assert set(case.steps.values_list("status", flat=True)) == {StepStatus.SKIPPED}
        with pytest.raises(InvalidTransition):
            case_decide(case=case, user=kriens_setup["clerk"], approve=True, document=_pdf())


def test_withdraw_rules(kriens, in_commune, kriens_setup):
    """The applicant may withdraw an undecided case; not someone else's, not a decided one."""
    with in_commune(kriens):
        case = _submit(kriens_setup)
        with pytest.raises(PermissionDenied):
            case_withdraw(case=case, user=kriens_setup["other_resident"])
        case_withdraw(case=case, user=kriens_setup["resident"], reason="Doch nicht nötig")
        case.refresh_from_db()
        assert case.status == CaseStatus.WITHDRAWN and case.decision == ""
        assert "withdrawn" in _kinds(case)
        with pytest.raises(InvalidTransition):
            case_withdraw(case=case, user=kriens_setup["resident"])
        decided = _submit(kriens_setup)
        case_decide(case=decided, user=kriens_setup["clerk"], approve=False, reason="Nein")
        with pytest.raises(InvalidTransition):
            case_withdraw(case=decided, user=kriens_setup["resident"])
        decided.refresh_from_db()
        assert decided.status == CaseStatus.REJECTED


def test_withdraw_while_waiting_is_allowed(kriens, in_commune, kriens_setup):
    """A case waiting for the resident can be withdrawn; the clock stops."""
    with in_commune(kriens):
        case = _submit(kriens_setup)
        case_request_info(case=case, user=kriens_setup["clerk"], question="?")
        case_withdraw(case=case, user=kriens_setup["resident"])
        case.refresh_from_db()
        assert case.status == CaseStatus.WITHDRAWN
        assert case.paused_since is None and not case.awaiting_info


def test_notes_are_internal(kriens, in_commune, kriens_setup):
    """An internal note is an event that the resident never sees."""
    with in_commune(kriens):
        case = _submit(kriens_setup)
        note = case_note_add(case=case, user=kriens_setup["clerk"], text="Nachbar fragen")
        assert note.kind == "note" and not note.visible_to_resident
        with pytest.raises(ValidationError):
            case_note_add(case=case, user=kriens_setup["clerk"], text="  ")


def test_messages_notify_the_other_side_without_content(
    kriens, in_commune, kriens_setup, django_capture_on_commit_callbacks, notification_jobs
):
    """A clerk's message e-mails the applicant, the applicant's the assignee; neither mail
    contains the message, a name or case data."""
    with in_commune(kriens):
        case = _submit(kriens_setup, reason="Sehr privat")
        case_assign(case=case, user=kriens_setup["clerk"], assignee=kriens_setup["clerk"])
    notification_jobs()  # the order's confirmation
    mail.outbox.clear()
    with in_commune(kriens):
        with django_capture_on_commit_callbacks(execute=True):
            message_send(case=case, user=kriens_setup["clerk"], body="Bitte Ausweis zeigen")
        with django_capture_on_commit_callbacks(execute=True):
            message_send(case=case, user=kriens_setup["resident"], body="Mache ich, Anna")
        with pytest.raises(PermissionDenied):
            message_send(case=case, user=kriens_setup["stranger_clerk"], body="Hallo")
        assert Message.objects.filter(case=case).count() == 2
    assert notification_jobs() == 1  # both notices of Kriens waited together: one message
    assert [m.to for m in mail.outbox] == [
        [kriens_setup["resident"].email],
        [kriens_setup["clerk"].email],
    ]
    for message in mail.outbox:
        text = message.subject + message.body
        assert case.reference in text
        for personal in ("Anna", "Muster", "Claudia", "Klerk", "Sehr privat", "Ausweis", "Mache"):
            assert personal not in text


def test_every_change_writes_an_event(kriens, in_commune, kriens_setup):
    """Each service that changes a case leaves its event in the timeline, with its actor."""
    with in_commune(kriens):
        case = _submit(kriens_setup)
        clerk = kriens_setup["clerk"]
        case_assign(case=case, user=clerk, assignee=clerk)
        case_note_add(case=case, user=clerk, text="n")
        case_request_info(case=case, user=clerk, question="q")
        case_answer_info(case=case, user=kriens_setup["resident"], answer="a")
        message_send(case=case, user=clerk, body="m")
        case_decide(case=case, user=clerk, approve=True, document=_pdf())
        kinds = _kinds(case)
        for kind in (
            "submitted",
            "assigned",
            "note",
            "info_requested",
            "info_answered",
            "message",
            "decided",
            "status",
        ):
            assert kind in kinds
        statuses = [e.details["to"] for e in case.events.filter(kind="status")]
        assert statuses == ["in_progress", "waiting_for_resident", "in_progress", "completed"]


def test_resident_step_waits_for_the_resident(kriens, in_commune, kriens_setup, logged_in):
    """A resident step makes the case wait for the resident (clock paused) until they mark it
    done on their page; a clerk of another group cannot complete it."""
    version = service_with_steps(
        key="mit-einwohnerschritt",
        steps=[
            {"key": "pruefen", "kind": "manual", "group": "Einwohnerdienste"},
            {"key": "ausweis-zeigen", "kind": "resident", "group": "Einwohnerdienste"},
            {"key": "ausstellen", "kind": "manual", "group": "Einwohnerdienste"},
        ],
    )
    with in_commune(kriens):
        offer(version)
        case = _submit(kriens_setup, key="mit-einwohnerschritt")
        first, resident_step, _last = case.steps.order_by("position")
        step_complete(step_id=first.pk, user=kriens_setup["clerk"])
        case.refresh_from_db()
        assert case.status == CaseStatus.WAITING_FOR_RESIDENT and case.paused_since
        with pytest.raises(PermissionDenied):
            step_complete(step_id=resident_step.pk, user=kriens_setup["stranger_clerk"])
    client = logged_in(kriens, kriens_setup["resident"])
    page = client.get(f"/meine-geschaefte/{case.pk}/").content.decode()
    assert "Ihr nächster Schritt" in page
    client.post(f"/meine-geschaefte/{case.pk}/schritte/{resident_step.pk}/erledigt/")
    with in_commune(kriens):
        case.refresh_from_db()
        resident_step.refresh_from_db()
        assert resident_step.status == StepStatus.DONE
        assert resident_step.completed_by == kriens_setup["resident"]
        assert case.status == CaseStatus.IN_PROGRESS and case.paused_since is None


def test_status_never_falls_back_to_submitted(kriens, in_commune, kriens_setup):
    """Unassigning a case in progress, or answering a request on a fresh case, leaves it in
    progress: the resident never sees it go back to "submitted"."""
    with in_commune(kriens):
        case = _submit(kriens_setup)
        case_assign(case=case, user=kriens_setup["clerk"], assignee=kriens_setup["clerk"])
        case_assign(case=case, user=kriens_setup["clerk"], assignee=None)
        case.refresh_from_db()
        assert case.status == CaseStatus.IN_PROGRESS and case.assignee is None
        fresh = _submit(kriens_setup)
        case_request_info(case=fresh, user=kriens_setup["clerk"], question="?")
        case_answer_info(case=fresh, user=kriens_setup["resident"], answer="!")
        fresh.refresh_from_db()
        assert fresh.status == CaseStatus.IN_PROGRESS
