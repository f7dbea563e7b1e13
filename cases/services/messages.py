"""The message thread between a resident and the administration."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User

from ..exceptions import InvalidTransition
from ..models import Case, CaseStatus, Message
from ..permissions import can_work_on
from .core import event_write, notify_on_commit

MAX_MESSAGE_LENGTH = 5000


@transaction.atomic
def message_send(*, case: Case, user: User, body: str) -> Message:
    """Send a message in the case's thread: from the applicant to the administration or from a
    clerk to the applicant. The other side gets an e-mail without content."""
    case = Case.objects.select_related("applicant", "assignee").get(pk=case.pk)
    from_resident = case.applicant_id == user.pk
    if not from_resident and not can_work_on(user=user, case=case):
        raise PermissionDenied(_("Sie sind für dieses Geschäft nicht berechtigt."))
    if case.status == CaseStatus.WITHDRAWN:
        raise InvalidTransition(_("Das Geschäft wurde zurückgezogen."), code="case_closed")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Die Nachricht ist leer.")})
    if len(body) > MAX_MESSAGE_LENGTH:
        raise ValidationError(
            {
                "body": _("Die Nachricht ist zu lang (höchstens %(n)s Zeichen).")
                % {"n": MAX_MESSAGE_LENGTH}
            }
        )
    message = Message.objects.create(case=case, sender=user, from_resident=from_resident, body=body)
    event_write(
        case=case,
        actor=user,
        kind="message",
        code="message_resident" if from_resident else "message_office",
        details={"message": message.pk},
        visible=True,
    )
    if from_resident:
        notify_on_commit(recipient=case.assignee, case=case, for_clerk=True)
    else:
        notify_on_commit(recipient=case.applicant, case=case)
    return message
