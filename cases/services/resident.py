"""What residents do with their own cases: answer a request, complete a step, withdraw."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from ..exceptions import InvalidTransition
from ..models import Case, CaseStatus, Document, Message
from .core import event_write, notify_on_commit, require_applicant, require_open, status_refresh
from .documents import document_store
from .steps import case_close


@transaction.atomic
def case_answer_info(
    *, case: Case, user: User, answer: str, files: list[UploadedFile] | None = None
) -> Message:
    """The resident answers the open information request; the case's clock resumes."""
    case = Case.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=case.pk)
    require_applicant(user=user, case=case)
    require_open(case)
    if not case.awaiting_info:
        raise InvalidTransition(
            _("Zu diesem Geschäft ist keine Rückfrage offen."), code="no_request"
        )
    answer = (answer or "").strip()
    if not answer and not files:
        raise ValidationError({"answer": _("Bitte beantworten Sie die Rückfrage.")})
    documents = [
        document_store(
            case=case,
            upload=upload,
            user=user,
            kind=Document.Kind.UPLOAD,
            visible_to_resident=True,
        )
        for upload in files or []
    ]
    message = Message.objects.create(
        case=case, sender=user, from_resident=True, body=answer or "(Beilage)"
    )
    case.awaiting_info = False
    case.save()
    event_write(
        case=case,
        actor=user,
        kind="info_answered",
        code="info_answered",
        details={"message": message.pk, "documents": [str(d.pk) for d in documents]},
        visible=True,
    )
    status_refresh(case=case, actor=user, now=timezone.now())
    notify_on_commit(recipient=case.assignee, case=case, for_clerk=True)
    return message


@transaction.atomic
def case_withdraw(*, case: Case, user: User, reason: str = "") -> Case:
    """The applicant withdraws a case that is not decided yet; open steps are skipped."""
    case = Case.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=case.pk)
    require_applicant(user=user, case=case)
    if case.status in (CaseStatus.COMPLETED, CaseStatus.REJECTED):
        raise InvalidTransition(
            _("Ein entschiedenes Geschäft kann nicht mehr zurückgezogen werden."), code="decided"
        )
    require_open(case)
    now = timezone.now()
    event_write(
        case=case,
        actor=user,
        kind="withdrawn",
        code="withdrawn_reason" if reason.strip() else "withdrawn",
        params={"reason": reason.strip()} if reason.strip() else None,
        visible=True,
    )
    case_close(case=case, actor=user, decision="", now=now, status=CaseStatus.WITHDRAWN)
    notify_on_commit(recipient=case.assignee, case=case, for_clerk=True)
    return case
