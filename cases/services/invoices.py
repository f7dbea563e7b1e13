"""Invoice steps a clerk finishes by hand: the portal still issues the invoice.

At stage ``form`` (or after a failure) the automated invoice step (``billing.qr_invoice``)
becomes a clerk's task. The invoice is the portal's own document, not a register's answer, so
completing that step by hand, or approving the case, issues it through the same step handler
in the clerk's transaction: an invoice step is never "erledigt" without its invoice (a case
without fee gets none, and says so). If the invoice cannot be issued, the clerk's action is
refused with the reason and nothing changes.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .. import handlers
from ..event_texts import summary_event
from ..exceptions import InvalidTransition
from ..models import CaseStep, StepKind
from ..selectors import INVOICE_ADAPTER
from .core import event_write
from .step_calls import step_call, step_input


def step_issues_invoice(step: CaseStep) -> bool:
    """Whether finishing ``step`` must issue the case's invoice first."""
    return (
        step.kind == StepKind.AUTOMATED
        and step.adapter_key == INVOICE_ADAPTER
        and not (isinstance(step.output, dict) and step.output.get("amount"))
    )


def invoice_issue_by_hand(*, step: CaseStep, user) -> dict[str, Any]:
    """Issue the invoice of ``step`` (an invoice step a clerk finishes) and return the step's
    output; raises InvalidTransition (``invoice_failed``) with the reason when it fails."""
    handler = handlers.handler_get(INVOICE_ADAPTER)
    if handler is None:
        raise InvalidTransition(
            _(
                "Die Rechnung kann nicht erstellt werden: keine Rechnungs-Schnittstelle eingerichtet."
            ),
            code="invoice_failed",
        )
    steps = list(step.case.steps.order_by("position"))
    try:
        output = handler(step_call(step, step_input(step, steps)))
    except Exception as exc:  # the handler's or adapter's error, shown to the clerk
        message = str(getattr(exc, "message", "") or exc) or exc.__class__.__name__
        raise InvalidTransition(
            _("Die Rechnung konnte nicht erstellt werden: %(reason)s") % {"reason": message},
            code="invoice_failed",
        ) from exc
    event_write(
        case=step.case,
        actor=user,
        kind="invoice_issued",
        **summary_event(output, with_summary="invoice_summary", without="invoice_issued"),
        details={"step": step.key, "by_hand": True},
        visible=True,
    )
    return output
