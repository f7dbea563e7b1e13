"""The cross-commune case index, from this commune's side: every status change of a case of a
person with a provider identity is mirrored, by value, in the public index
(``tenants.case_index``) in the same transaction."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from tenants.case_index import case_index_upsert
from tenants.context import current_commune

from ..models import Case
from .versions import published_version


def case_index_write(case: Case) -> None:
    """Mirror the case's status into the public index (nothing for e-mail-only accounts)."""
    if Case.applicant.is_cached(case):
        subject = case.applicant.oidc_subject
    else:
        subject = (
            User.objects.filter(pk=case.applicant_id).values_list("oidc_subject", flat=True).first()
        )
    commune = current_commune()
    if not subject or commune is None:
        return
    version, _steps = published_version(case.version_id)
    case_index_upsert(
        commune=commune,
        case_id=case.pk,
        reference=case.reference,
        service_key=version.service.key,
        service_title_de=version.name_de,
        service_title_en=version.name_en,
        status=case.status,
        subject=subject,
        submitted_at=case.submitted_at,
        updated_at=case.updated_at or timezone.now(),
        closed_at=case.closed_at,
    )


def case_index_backfill_for_user(*, user: User) -> int:
    """Index every case of ``user`` in this commune (after an e-mail account was linked to a
    provider identity); returns how many."""
    cases = list(Case.objects.filter(applicant=user).select_related("applicant"))
    for case in cases:
        case_index_write(case)
    return len(cases)
