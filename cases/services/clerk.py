"""What clerks do in the back office: assign, ask, decide, note."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import User

from ..event_texts import in_languages
from ..exceptions import InvalidTransition
from ..models import Case, CaseEvent, CaseStatus, Document, Message, StepStatus
from ..permissions import can_view_in_backoffice, is_backoffice_user
from ..selectors import case_groups
from .core import (
    event_write,
    groups_grant,
    notify_on_commit,
    require_open,
    require_worker,
    status_refresh,
)
from .documents import document_store, resident_wants_sealed_pdf, upload_sealed
from .invoices import invoice_issue_by_hand, step_issues_invoice
from .steps import case_close


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("applicant").get(pk=case.pk)


@transaction.atomic
def case_assign(*, case: Case, user: User, assignee: User | None) -> Case:
    """Assign the case to ``assignee`` (a clerk who may see it), or unassign with None."""
    case = _locked(case)
    require_worker(user=user, case=case)
    require_open(case)
    if assignee is not None and not (
        is_backoffice_user(assignee) and can_view_in_backoffice(user=assignee, case=case)
    ):
        raise ValidationError(
            {"assignee": _("Diese Person gehört keiner für das Geschäft zuständigen Gruppe an.")}
        )
    if case.assignee_id == (assignee.pk if assignee else None):
        return case
    previous = case.assignee
    case.assignee = assignee
    case.save()
    label = (assignee.get_full_name() or assignee.email) if assignee else None
    event_write(
        case=case,
        actor=user,
        kind="assigned",
        code="assigned" if label else "unassigned",
        params={"person": label} if label else None,
        details={
            "assignee": assignee.pk if assignee else None,
            "previous": previous.pk if previous else None,
        },
    )
    status_refresh(case=case, actor=user, now=timezone.now())
    if assignee is not None and assignee.pk != user.pk:
        notify_on_commit(recipient=assignee, case=case, for_clerk=True)
    return case


@transaction.atomic
def case_request_info(*, case: Case, user: User, question: str) -> Message:
    """Ask the resident for information: the case waits for them and its clock pauses."""
    case = _locked(case)
    require_worker(user=user, case=case)
    require_open(case)
    question = (question or "").strip()
    if not question:
        raise ValidationError({"question": _("Bitte schreiben Sie Ihre Frage.")})
    if case.awaiting_info:
        raise InvalidTransition(
            _("Es ist bereits eine Rückfrage offen: warten Sie die Antwort ab."),
            code="info_already_requested",
        )
    message = Message.objects.create(
        case=case, sender=user, from_resident=False, body=question, is_info_request=True
    )
    case.awaiting_info = True
    case.save()
    event_write(
        case=case,
        actor=user,
        kind="info_requested",
        code="info_requested",
        details={"message": message.pk},
        visible=True,
    )
    status_refresh(case=case, actor=user, now=timezone.now())
    notify_on_commit(recipient=case.applicant, case=case)
    return message


def _decision_check(
    *, case: Case, approve: bool, reason: str, document: UploadedFile | None
) -> None:
    """An approval needs a document, a rejection a reason; no automated step may be running."""
    if approve and document is None:
        raise ValidationError(
            {
                "document": _(
                    "Bitte laden Sie das Dokument für die Einwohnerin / den Einwohner hoch."
                )
            }
        )
    if not approve and not reason:
        raise ValidationError({"reason": _("Bitte begründen Sie die Ablehnung.")})
    if case.steps.filter(status=StepStatus.RUNNING).exists():
        raise InvalidTransition(
            _("Ein automatischer Schritt läuft noch: entscheiden Sie, wenn er fertig ist."),
            code="step_running",
        )


def _invoices_issue(*, case: Case, user: User) -> None:
    """Approving finishes every open step: invoice steps issue their invoice first."""
    for step in case.steps.exclude(status__in=[StepStatus.DONE, StepStatus.SKIPPED]):
        if step_issues_invoice(step):
            step.case = case
            step.output = invoice_issue_by_hand(step=step, user=user)
            step.save(update_fields=["output", "updated_at"])


@transaction.atomic
def case_decide(
    *,
    case: Case,
    user: User,
    approve: bool,
    reason: str = "",
    document: UploadedFile | None = None,
) -> Case:
    """Decide the case: approve with a document for the resident, or reject with a reason.

    Approving completes every open step; rejecting skips them. A running automated step
    blocks the decision until it has finished or fallen back to a clerk.
    """
    case = _locked(case)
    require_worker(user=user, case=case)
    require_open(case)
    reason = (reason or "").strip()
    _decision_check(case=case, approve=approve, reason=reason, document=document)
    now = timezone.now()
    details: dict = {"approve": approve}
    if approve:
        if resident_wants_sealed_pdf(case):
            document = upload_sealed(case=case, upload=document, title=case.version.name_de)
        stored = document_store(
            case=case,
            upload=document,
            user=user,
            kind=Document.Kind.DECISION,
            visible_to_resident=True,
        )
        details["document"] = str(stored.pk)
        _invoices_issue(case=case, user=user)
        case.steps.exclude(status__in=[StepStatus.DONE, StepStatus.SKIPPED]).update(
            status=StepStatus.DONE, completed_by=user, completed_at=now, updated_at=now
        )
    event_write(
        case=case,
        actor=user,
        kind="decided",
        code="approved" if approve else "rejected",
        params=None if approve else {"reason": reason},
        details=details,
        visible=True,
    )
    case_close(
        case=case,
        actor=user,
        decision=Case.Decision.APPROVED if approve else Case.Decision.REJECTED,
        reason=reason,
        now=now,
        status=CaseStatus.COMPLETED if approve else CaseStatus.REJECTED,
    )
    notify_on_commit(recipient=case.applicant, case=case)
    return case


@transaction.atomic
def case_note_add(*, case: Case, user: User, text: str) -> CaseEvent:
    """Add an internal note to the timeline (never shown to the resident)."""
    require_worker(user=user, case=case)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Die Notiz ist leer.")})
    return event_write(case=case, actor=user, kind="note", text=text, visible=False)


@transaction.atomic
def case_share(*, case: Case, user: User, group: Group) -> Case:
    """Hand the case to another group of the commune as well: its clerks may then see and
    work on it (e.g. the building office for a question of the residents' office)."""
    case = _locked(case)
    require_worker(user=user, case=case)
    require_open(case)
    if case_groups(case=case).filter(pk=group.pk).exists():
        raise ValidationError({"group": _("Diese Gruppe ist bereits zuständig.")})
    groups_grant(case=case, group_names={group.name})
    event_write(
        case=case,
        actor=user,
        kind="shared",
        code="shared",
        params={"group": group.name},
        details={"group": group.pk},
    )
    return case


@transaction.atomic
def case_document_add(
    *, case: Case, user: User, upload: UploadedFile, visible_to_resident: bool
) -> Document:
    """A clerk adds a document to the case: internal, or visible to the resident (who then
    gets an e-mail without content)."""
    case = _locked(case)
    require_worker(user=user, case=case)
    if upload is None:
        raise ValidationError({"document": _("Bitte wählen Sie eine Datei.")})
    document = document_store(
        case=case,
        upload=upload,
        user=user,
        kind=Document.Kind.DECISION if visible_to_resident else Document.Kind.INTERNAL,
        visible_to_resident=visible_to_resident,
    )
    event_write(
        case=case,
        actor=user,
        kind="document_added",
        code="document_added",
        params={"name": document.name},
        details={"document": str(document.pk)},
        visible=visible_to_resident,
    )
    if visible_to_resident:
        notify_on_commit(recipient=case.applicant, case=case)
    return document


@transaction.atomic
def case_hold_set(
    *, case: Case, user: User, legal_hold: bool, objection_open: bool, reason: str = ""
) -> Case:
    """Set or lift a clerk's legal hold and the open-objection mark: while either holds,
    retention keeps the case's content (cases.services.retention). A hold needs a reason."""
    case = _locked(case)
    require_worker(user=user, case=case)
    reason = (reason or "").strip()
    if legal_hold and not reason:
        raise ValidationError({"reason": _("Bitte begründen Sie die Aufbewahrungssperre.")})
    case.legal_hold = legal_hold
    case.legal_hold_reason = reason if legal_hold else ""
    case.objection_open = objection_open
    case.save(update_fields=["legal_hold", "legal_hold_reason", "objection_open", "updated_at"])
    held = [
        *(
            [in_languages(_lazy("Aufbewahrungssperre: %(reason)s"), reason=reason)]
            if legal_hold
            else []
        ),
        *([in_languages(_lazy("Einsprache offen"))] if objection_open else []),
    ]
    holds = {language: "; ".join(h[language] for h in held) for language in ("de", "en")}
    event_write(
        case=case,
        actor=user,
        kind="hold_set",
        code="hold_set" if held else "hold_lifted",
        params={"holds": holds} if held else None,
        details={"legal_hold": legal_hold, "objection_open": objection_open},
    )
    return case
