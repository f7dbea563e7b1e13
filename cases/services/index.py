"""The cross-commune case index, from this commune's side: every status change of a case of a
person with a provider identity is mirrored, by value, in the public index
(``tenants.case_index``) in the same transaction."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from tenants.case_index import CASE_INDEX_CONFLICT, case_index_entry
from tenants.context import current_commune

from ..models import Case
from .deferred import insert_statement, write_later
from .versions import published_version


def case_index_write(case: Case) -> None:
    """Mirror the case's status into the public index (nothing for e-mail-only accounts).

    In the machine's transactions the entry is written with its other writes, as the case
    stands then (``cases.services.deferred``): a case changed twice is indexed once."""
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
    service_key, title_de, title_en = version.service.key, version.name_de, version.name_en

    def statements() -> list:  # no query here: it runs when the writes are sent
        entry = case_index_entry(
            commune=commune,
            case_id=case.pk,
            reference=case.reference,
            service_key=service_key,
            service_title_de=title_de,
            service_title_en=title_en,
            status=case.status,
            subject=subject,
            submitted_at=case.submitted_at,
            updated_at=case.updated_at or timezone.now(),
            closed_at=case.closed_at,
        )
        return [insert_statement([entry], **CASE_INDEX_CONFLICT)]

    write_later(("case-index", case.pk), statements)


def case_index_backfill_for_user(*, user: User) -> int:
    """Index every case of ``user`` in this commune (after an e-mail account was linked to a
    provider identity); returns how many."""
    cases = list(Case.objects.filter(applicant=user).select_related("applicant"))
    for case in cases:
        case_index_write(case)
    return len(cases)
