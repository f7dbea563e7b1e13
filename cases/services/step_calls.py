"""What a step handler is given: the step's input (taken when the step starts) and the
``StepCall`` built from it. One place for the machine (``steps``) and for steps a clerk
finishes through their handler (``invoices``)."""

from __future__ import annotations

from typing import Any

from .. import handlers
from ..models import CaseStep, StepStatus
from .identity import applicant_identity
from .versions import published_version


def step_input(step: CaseStep, steps: list[CaseStep]) -> dict[str, Any]:
    """The input of ``step``: the case's reference, service, version and data, the outputs of
    the steps done before it, and the applicant's identity."""
    case = step.case
    previous = {
        s.key: s.output for s in steps if s.position < step.position and s.status == StepStatus.DONE
    }
    return {
        "reference": case.reference,
        "service": case.service_id and case.service.key,
        "version": case.version.number,
        "data": case.data,
        "previous_outputs": previous,
        "applicant": applicant_identity(case=case),
    }


def step_call(step: CaseStep, inputs: dict[str, Any]) -> handlers.StepCall:
    """The handler's call for ``step`` with ``inputs`` (``step_input``)."""
    return handlers.StepCall(
        case_id=step.case_id,
        reference=step.case.reference,
        service_key=inputs.get("service") or "",
        step_key=step.key,
        adapter_key=step.adapter_key,
        idempotency_key=step.idempotency_key,
        data=step.case.data,
        previous_outputs=inputs.get("previous_outputs", {}),
        applicant=inputs.get("applicant", {}),
        register_attributes=tuple(
            published_version(step.case.version_id)[0].register_attributes or ()
        ),
    )
