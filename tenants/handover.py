"""Hand-overs between communes of the portal through the public ``Handover`` record.

The sending commune opens a hand-over (``handover_open``) in its own transaction; once that
commits, a job runs in the target commune's schema (``tenants.jobs.send_in_schema``). The
target reads the record (``handover_for_target``), does its part in its own schema and answers
(``handover_answer``), which sends a job back into the sender's schema, where
``handover_close`` marks it done. Neither side ever opens the other's schema; the actors to
run are passed in by the caller, as actors or by name (tenants knows no higher app).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from .context import current_commune
from .jobs import ActorRef, send_in_schema
from .models import Commune, Handover


def _here() -> Commune:
    commune = current_commune()
    if commune is None:
        raise RuntimeError("Eine Übergabe läuft im Schema einer Gemeinde.")
    return commune


def _send_on_commit(actor: ActorRef, schema: str, handover_id: uuid.UUID) -> None:
    transaction.on_commit(lambda: send_in_schema(actor, schema, str(handover_id)))


def handover_open(
    *,
    kind: str,
    to_commune: Commune,
    case_id: uuid.UUID,
    case_reference: str,
    payload: dict[str, Any],
    receiver: ActorRef,
) -> Handover:
    """Open (once per case and kind) a hand-over from the current commune to ``to_commune``
    and, after commit, run ``receiver(handover_id)`` in the target's schema. Calling it again
    for the same case returns the same record and re-sends the job while it is still open
    (the receiver is idempotent)."""
    here = _here()
    if to_commune.pk == here.pk:
        raise ValueError("Eine Übergabe geht an eine andere Gemeinde.")
    with transaction.atomic():
        handover, _created = Handover.objects.get_or_create(
            from_commune=here,
            case_id=case_id,
            kind=kind,
            defaults={
                "to_commune": to_commune,
                "case_reference": case_reference,
                "payload": payload,
            },
        )
        if handover.status == Handover.Status.PENDING:
            Handover.objects.filter(pk=handover.pk).update(last_sent_at=timezone.now())
            _send_on_commit(receiver, to_commune.schema_name, handover.pk)
    return handover


def handovers_resend_pending(
    *, receiver: ActorRef, resend_after: dt.timedelta, now: dt.datetime | None = None
) -> int:
    """Send the target's job again for this commune's hand-overs that are still unanswered
    ``resend_after`` after their last sending (message lost: broker down, worker killed).
    Returns how many were sent."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Handover.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("to_commune")
            .filter(
                from_commune=_here(),
                status=Handover.Status.PENDING,
                last_sent_at__lt=now - resend_after,
            )
            .order_by("last_sent_at")[:200]
        )
        for handover in due:
            Handover.objects.filter(pk=handover.pk).update(last_sent_at=now)
            _send_on_commit(receiver, handover.to_commune.schema_name, handover.pk)
    return len(due)


def handovers_answered_open() -> list[uuid.UUID]:
    """This commune's hand-overs that have an answer it has not taken note of yet (the reply
    job was lost)."""
    return list(
        Handover.objects.filter(from_commune=_here(), closed_at__isnull=True)
        .exclude(status=Handover.Status.PENDING)
        .values_list("pk", flat=True)[:200]
    )


def handover_for_target(*, handover_id: uuid.UUID | str) -> Handover | None:
    """The hand-over addressed to the current commune (None for any other commune)."""
    return (
        Handover.objects.select_related("from_commune", "to_commune")
        .filter(pk=handover_id, to_commune=_here())
        .first()
    )


def handover_for_sender(*, handover_id: uuid.UUID | str) -> Handover | None:
    """The hand-over the current commune sent (None for any other commune)."""
    return (
        Handover.objects.select_related("from_commune", "to_commune")
        .filter(pk=handover_id, from_commune=_here())
        .first()
    )


def handover_answer(
    *,
    handover_id: uuid.UUID | str,
    acknowledged: bool,
    result: dict[str, Any] | None = None,
    error: str = "",
    reply: ActorRef,
) -> Handover | None:
    """The target commune's answer (once): acknowledged or failed; after commit
    ``reply(handover_id)`` runs in the sender's schema."""
    with transaction.atomic():
        handover = (
            Handover.objects.select_for_update(of=("self",))
            .select_related("from_commune")
            .filter(pk=handover_id, to_commune=_here())
            .first()
        )
        if handover is None or handover.status != Handover.Status.PENDING:
            return handover
        handover.status = Handover.Status.ACKNOWLEDGED if acknowledged else Handover.Status.FAILED
        handover.result = result or {}
        handover.error = error
        handover.processed_at = timezone.now()
        handover.save()
        _send_on_commit(reply, handover.from_commune.schema_name, handover.pk)
    return handover


def handover_close(*, handover_id: uuid.UUID | str) -> tuple[Handover | None, bool]:
    """The sender took note of the answer; returns the record and whether this call closed it
    (False when it was closed before or has no answer yet)."""
    with transaction.atomic():
        handover = (
            Handover.objects.select_for_update(of=("self",))
            .select_related("to_commune")
            .filter(pk=handover_id, from_commune=_here())
            .first()
        )
        if (
            handover is None
            or handover.closed_at is not None
            or handover.status == Handover.Status.PENDING
        ):
            return handover, False
        handover.closed_at = timezone.now()
        handover.save(update_fields=["closed_at"])
    return handover, True


def commune_for_town(*, town: str, postcode: str = "") -> Commune | None:
    """The active commune of the portal named like ``town`` (a move's destination), if any."""
    name = (town or "").strip()
    if not name:
        return None
    return (
        Commune.objects.filter(status=Commune.Status.ACTIVE, name__iexact=name)
        .order_by("bfs_number")
        .first()
    )
