"""Report a failed step to the cantonal record of failing adapters (public, by value)."""

from __future__ import annotations

from integrations.failures import adapter_failure_record
from tenants.context import current_commune

from ..models import CaseStep


def failure_record(
    *, step: CaseStep, code: str, message: str, transient: bool, handed_to_clerk: bool
) -> None:
    """Record that ``step`` failed on its current attempt (once per attempt)."""
    commune = current_commune()
    if commune is None:
        return
    case = step.case
    adapter_failure_record(
        commune_bfs=commune.bfs_number,
        commune_name=commune.name,
        case_id=case.pk,
        case_reference=case.reference,
        service_key=case.service.key if case.service_id else "",
        step_key=step.key,
        attempt=step.attempts,
        adapter_key=step.adapter_key,
        transient=transient,
        handed_to_clerk=handed_to_clerk,
        error_code=code,
        error_message=message,
    )
