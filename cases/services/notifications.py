"""Notification e-mails about a case ("Es gibt Neuigkeiten …"), sent by a job.

``core.notify_on_commit`` only writes the job in the transaction (``tenants.outbox``; the
workers' relay sends it once committed, in its commune): neither the broker, the mail server nor
the commune's sender configuration is waited for in the request.
The job builds the very mail the request used to send (reference and link only, no personal
content) and claims the job's key in the same transaction as the send: a redelivered message
finds the key and sends nothing, a failed send rolls the claim back and the retry sends.
The relay hands the job the notifications of one commune that came together
(``tenants.outbox.batched``): they go out one by one over one connection to the mail server.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from tenants.context import current_commune
from tenants.prepared import PreparedSelect
from tenants.selectors import commune_mail_sender

from ..models import Case, NotificationSent
from .core import backoffice_url, case_url

logger = logging.getLogger(__name__)

# The key is claimed only for a case that (still) exists; a claimed key is never sent again.
_CLAIM_SQL = (
    f"INSERT INTO {NotificationSent._meta.db_table} (key, case_id, sent_at) "  # noqa: S608
    f"SELECT %s, id, %s FROM {Case._meta.db_table} WHERE id = %s "
    "ON CONFLICT (key) DO NOTHING RETURNING key"
)


def _case_and_address(case_id: uuid.UUID, recipient_id: int) -> QuerySet[Case]:
    # One statement: the case's reference and the recipient's address.
    return (
        Case.objects.filter(pk=case_id)
        .only("id", "reference")
        .annotate(address=Subquery(User.objects.filter(pk=recipient_id).values("email")[:1]))
        .order_by()[:1]
    )


# Compiled once per thread and commune schema (every mail asks).
_CASE_AND_ADDRESS = PreparedSelect(_case_and_address, uuid.UUID(int=1), 987654321)


def notification_message(*, case: Case, address: str, for_clerk: bool) -> EmailMessage:
    """The mail: the reference and a link, from the commune's sender (the portal's default)."""
    reference = case.reference
    url = backoffice_url(case) if for_clerk else case_url(case)
    subject = (
        f"Neuigkeiten im Geschäft {reference}"
        if for_clerk
        else f"Neuigkeiten in Ihrem Geschäft {reference}"
    )
    body = (
        "Guten Tag\n\n"
        f"Es gibt Neuigkeiten {'im' if for_clerk else 'in Ihrem'} Geschäft {reference}.\n"
        f"Bitte melden Sie sich an, um sie zu lesen:\n{url}\n\n"
        "Aus Datenschutzgründen enthält diese E-Mail keine weiteren Angaben.\n\n"
        "Freundliche Grüsse\nEinwohnerportal Luzern\n"
    )
    sender, reply_to = commune_mail_sender(current_commune())
    return EmailMessage(subject, body, sender, [address], reply_to=reply_to or None)


def notifications_send(notifications: Sequence[Sequence[Any]]) -> int:
    """Send each notification (``[key, case_id, recipient_id, for_clerk]``) once, over one
    connection to the mail server; returns how many were sent. A failing one does not stop
    the others: afterwards the first error is raised, so the job is retried, and the retry
    sends only what has not been sent (the keys)."""
    sent, failure = 0, None
    with get_connection() as mail_connection:
        for key, case_id, recipient_id, for_clerk in notifications:
            try:
                sent += notification_send(
                    key=key,
                    case_id=case_id,
                    recipient_id=recipient_id,
                    for_clerk=for_clerk,
                    mail_connection=mail_connection,
                )
            except Exception as exc:
                # The class only: a mail server's message may name the address.
                logger.warning(
                    "notification %s for case %s not sent (%s)", key, case_id, type(exc).__name__
                )
                failure = failure or exc
    if failure is not None:
        raise failure
    return sent


def notification_send(
    *,
    key: str,
    case_id: str,
    recipient_id: int,
    for_clerk: bool,
    mail_connection: BaseEmailBackend | None = None,
) -> bool:
    """Send the notification ``key`` once (the job's body, in the case's commune).

    Returns False when there is nothing to send: the key was sent already (a redelivery), the
    case is gone (retention) or the recipient has no address any more. A failing mail server
    raises, so the job is retried. The lookup and the claim of the key travel together in the
    transaction's first round trip; the send happens before its commit.
    """
    case_uuid = uuid.UUID(str(case_id))
    with transaction.atomic():
        found, claimed = connection.run_pipelined(
            [
                _CASE_AND_ADDRESS.statement(case_uuid, int(recipient_id)),
                (_CLAIM_SQL, [key, timezone.now(), case_uuid]),
            ]
        )
        if not claimed:
            return False  # sent already, or the case is gone
        cases = _CASE_AND_ADDRESS.objects_of(found)
        if not cases or not cases[0].address:
            transaction.set_rollback(True)  # no address: nothing sent, nothing claimed
            return False
        message = notification_message(case=cases[0], address=cases[0].address, for_clerk=for_clerk)
        if mail_connection is not None:
            message.connection = mail_connection
        message.send()
    return True
