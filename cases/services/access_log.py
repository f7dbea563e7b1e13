"""The register access log from the commune's side: every read or write at a register by an
automated step, and every clerk's view of a case that shows identity numbers, is recorded by
value in the public log (``tenants.access_log``) in the transaction that closes the step."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from accounts.models import User
from tenants.access_log import register_access_write
from tenants.context import current_commune
from tenants.models import RegisterAccess

from ..models import Case, CaseStep
from .versions import published_version


def _entry(
    *,
    case: Case,
    kind: str,
    register: str,
    triggered_by: str,
    attributes: list[str],
    message_id: str = "",
) -> RegisterAccess | None:
    commune = current_commune()
    if commune is None:
        return None
    version, _steps = published_version(case.version_id)
    applicant = case.applicant if Case.applicant.is_cached(case) else None
    subject = (
        applicant.oidc_subject
        if applicant is not None
        else User.objects.filter(pk=case.applicant_id).values_list("oidc_subject", flat=True)[0]
    )
    return RegisterAccess(
        commune=commune,
        case_id=case.pk,
        case_reference=case.reference,
        service_key=version.service.key,
        service_title_de=version.name_de[:200],
        legal_basis=version.legal_basis,
        kind=kind,
        register=register[:80],
        triggered_by=triggered_by[:200],
        attributes=attributes,
        message_id=message_id[:100],
        subject=subject or "",
        user_id=case.applicant_id,
        created_at=timezone.now(),
    )


def register_access_record(*, step: CaseStep, accesses: Iterable[dict[str, Any]]) -> int:
    """Record the register accesses an automated step made (one statement; nothing when none).

    A read records the attributes the service version declares it needs when it declares
    them, else the attributes the register answered with.
    """
    accesses = list(accesses)
    if not accesses:
        return 0
    version, _steps = published_version(step.case.version_id)
    declared = list(version.register_attributes or [])
    entries = [
        _entry(
            case=step.case,
            kind=a["kind"],
            register=a["register"],
            triggered_by=f"Schritt «{step.name_de}» ({step.key})",
            attributes=declared if a["kind"] == "read" and declared else list(a["attributes"]),
            message_id=a.get("message_id", ""),
        )
        for a in accesses
    ]
    return register_access_write(e for e in entries if e is not None)


IDENTITY_NUMBER_KEYS = ("ahv_number", "vn", "ahv")


def shows_identity_number(case: Case, steps: Iterable[CaseStep]) -> bool:
    """Whether a clerk's view of the case shows an identity number (AHV): in the form data, or
    in the input/output of a step."""

    def has(value: Any) -> bool:
        if isinstance(value, dict):
            return any((k in IDENTITY_NUMBER_KEYS and v) or has(v) for k, v in value.items())
        if isinstance(value, list):
            return any(has(v) for v in value)
        return False

    return has(case.data) or any(has(s.input) or has(s.output) for s in steps)


def identity_numbers_masked(value: Any) -> Any:
    """A copy of ``value`` with every identity number (AHV) replaced by "***"."""
    if isinstance(value, dict):
        return {
            k: "***" if k in IDENTITY_NUMBER_KEYS and v else identity_numbers_masked(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [identity_numbers_masked(v) for v in value]
    return value


def identity_view_record(*, case: Case, clerk: User) -> None:
    """Record that ``clerk`` viewed the identity numbers of the case's applicant."""
    name = clerk.get_full_name() or clerk.email or f"#{clerk.pk}"
    entry = _entry(
        case=case,
        kind=RegisterAccess.Kind.VIEW,
        register="backoffice",
        triggered_by=f"Sachbearbeitung: {name}",
        attributes=["ahv_number"],
    )
    if entry is not None:
        register_access_write([entry])
