"""Hand-overs of a move between two communes of the portal: the arrival commune's side and the
answer back (the departure side is the ``resident_register.move_out`` step, which opens the
hand-over: ``cases.automation.moves``).

``handover_incoming_process`` runs in the arrival commune (``cases.actors.handover_receive``),
``handover_answer_record`` back in the departure commune (``cases.actors.handover_returned``),
``handovers_sweep`` in every commune at each scheduler tick (``cases.actors.sweep_handovers``).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from integrations.adapters.resident_register.data import Municipality
from integrations.failures import adapter_failure_record
from tenants import handover as handovers
from tenants.models import Commune, Handover

from ..automation.common import adapter_call, commune_required, date_of, plain
from ..automation.moves import address_of, move_in_request
from ..handlers import PermanentStepError, StepError, TransientStepError
from ..jobs import HANDOVER_RECEIVE, HANDOVER_RETURNED
from ..models import Case
from .core import event_write

logger = logging.getLogger(__name__)

HANDOVER_RESEND_AFTER = dt.timedelta(minutes=10)


def _move_in_report(*, handover: Handover, commune: Commune):
    """Report the hand-over's move to this commune's register (eCH-0020 moveIn)."""
    payload = handover.payload
    origin = handover.from_commune
    request = move_in_request(
        commune=commune,
        person=payload.get("person") or {},
        arrival=date_of(payload.get("arrival_date"), label="Datum des Umzugs"),
        address=address_of(payload.get("address"), label="Neue Adresse"),
        comes_from=Municipality(origin.name, origin.bfs_number, origin.canton),
    )
    return adapter_call(
        "resident_register.move_in", request, idempotency_key=f"handover-{handover.pk}-move-in"
    )


def _move_in_failure_record(
    *, handover: Handover, commune: Commune, exc: StepError, attempt: int, final_attempt: bool
) -> None:
    """For the cantonal office: the register refused or could not be reached (public)."""
    transient = isinstance(exc, TransientStepError)
    adapter_failure_record(
        commune_bfs=commune.bfs_number,
        commune_name=commune.name,
        case_id=handover.case_id,
        case_reference=handover.case_reference,
        service_key=f"handover:{handover.kind}",
        step_key=f"handover-{handover.kind}",
        attempt=attempt,
        adapter_key="resident_register.move_in",
        transient=transient,
        handed_to_clerk=not transient or final_attempt,
        error_code=exc.code,
        error_message=exc.message,
    )


def handover_incoming_process(
    *, handover_id: str, final_attempt: bool = True, attempt: int = 1
) -> Handover | None:
    """In the arrival commune: report the hand-over's move to this commune's register and
    answer the departure commune. Idempotent (an answered hand-over is left alone); a transient
    register error is re-raised for the job's retry until the final attempt."""
    handover = handovers.handover_for_target(handover_id=handover_id)
    if handover is None or handover.status != Handover.Status.PENDING:
        return handover
    commune = commune_required()
    here = {"commune": commune.name, "bfs_number": commune.bfs_number}
    try:
        result = _move_in_report(handover=handover, commune=commune)
    except (TransientStepError, PermanentStepError) as exc:
        _move_in_failure_record(
            handover=handover,
            commune=commune,
            exc=exc,
            attempt=attempt,
            final_attempt=final_attempt,
        )
        if isinstance(exc, TransientStepError) and not final_attempt:
            raise
        error = f"{exc.message} [{exc.code}]"
    else:
        return handovers.handover_answer(
            handover_id=handover.pk,
            acknowledged=True,
            result={"message_id": result.message_id, "person_id": result.person_id, **here},
            reply=HANDOVER_RETURNED,
        )
    logger.warning("handover %s failed in %s: %s", handover.pk, commune.name, error)
    return handovers.handover_answer(
        handover_id=handover.pk,
        acknowledged=False,
        error=error,
        result=here,
        reply=HANDOVER_RETURNED,
    )


def _answer_event_write(*, case: Case, handover: Handover) -> None:
    """The arrival commune's answer on the resident's case: visible on acknowledgement, an
    internal note for the clerks on failure."""
    arrival = handover.to_commune.name
    if handover.status == Handover.Status.ACKNOWLEDGED:
        message_id = handover.result.get("message_id", "")
        event_write(
            case=case,
            actor=None,
            kind="handover_acknowledged",
            code="handover_acknowledged",
            params={"commune": arrival, "message": message_id},
            details={"handover": str(handover.pk), **plain(handover.result)},
            visible=True,
        )
    else:
        event_write(
            case=case,
            actor=None,
            kind="handover_failed",
            code="handover_failed",
            params={"commune": arrival, "error": handover.error},
            details={"handover": str(handover.pk), "error": handover.error},
        )


def handover_answer_record(*, handover_id: str) -> bool:
    """In the departure commune: write the arrival commune's answer into the resident's case
    (visible on acknowledgement; an internal note for the clerks on failure). Once."""
    with transaction.atomic():
        handover, closed_now = handovers.handover_close(handover_id=handover_id)
        if handover is None or not closed_now:
            return False
        case = Case.objects.select_for_update().filter(pk=handover.case_id).first()
        if case is None:
            return False
        _answer_event_write(case=case, handover=handover)
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    return True


def handovers_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """In each commune, periodically: re-send its unanswered hand-overs whose message may be
    lost, and record answers whose reply job was lost. Safe any time (both sides are
    idempotent)."""
    resent = handovers.handovers_resend_pending(
        receiver=HANDOVER_RECEIVE, resend_after=HANDOVER_RESEND_AFTER, now=now
    )
    recorded = sum(
        handover_answer_record(handover_id=str(pk)) for pk in handovers.handovers_answered_open()
    )
    return {"resent": resent, "recorded": recorded}
