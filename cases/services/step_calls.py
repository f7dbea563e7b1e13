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
        "applicant": _applicant(case),
    }


def _applicant(case) -> dict[str, str]:
    """``applicant_identity`` of ``case``, worked out once per case instance: the machine holds
    one instance per transaction (``steps.case_steps_lock``), shared by the steps it starts
    there, and the profile source may be a database read (``accounts.selectors.profile_for``).
    A new form data or identity value set on the instance is a new case for this. Each step
    gets its own copy."""
    known = case.__dict__.get("_step_applicant")
    if known is None or known[0] is not case.data or known[1] is not case.identity:
        identity = applicant_identity(case=case)
        known = case.__dict__["_step_applicant"] = (case.data, case.identity, identity)
    return dict(known[2])


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
