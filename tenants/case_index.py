"""The cross-commune case index (public schema, by value): written by a commune's case services
in their own transaction, read on the public host by the person it belongs to only."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import QuerySet

from .models import CaseIndexEntry, Commune

_UPDATED = (
    "reference",
    "service_key",
    "service_title_de",
    "service_title_en",
    "status",
    "subject",
    "updated_at",
    "closed_at",
)


def case_index_entry(
    *,
    commune: Commune,
    case_id: uuid.UUID,
    reference: str,
    service_key: str,
    service_title_de: str,
    service_title_en: str,
    status: str,
    subject: str,
    submitted_at: dt.datetime,
    updated_at: dt.datetime,
    closed_at: dt.datetime | None,
) -> CaseIndexEntry:
    """The entry of one case, unsaved: written by its commune's case services (in their
    transaction) as an upsert, with ``CASE_INDEX_CONFLICT`` as ``bulk_create``'s arguments."""
    return CaseIndexEntry(
        commune=commune,
        case_id=case_id,
        reference=reference,
        service_key=service_key,
        service_title_de=service_title_de[:200],
        service_title_en=service_title_en[:200],
        status=status,
        subject=subject,
        submitted_at=submitted_at,
        updated_at=updated_at,
        closed_at=closed_at,
    )


CASE_INDEX_CONFLICT = {
    "update_conflicts": True,
    "unique_fields": ["commune", "case_id"],
    "update_fields": list(_UPDATED),
}


def case_index_for_subject(*, subject: str) -> QuerySet[CaseIndexEntry]:
    """Every indexed case of one person (the identity provider's subject), newest change first."""
    if not subject:
        return CaseIndexEntry.objects.none()
    return (
        CaseIndexEntry.objects.filter(subject=subject)
        .select_related("commune")
        .order_by("-updated_at", "reference")
    )


def case_url(*, commune: Commune, case_id: uuid.UUID, scheme: str, port: str, domain: str) -> str:
    """The case page on its commune's host."""
    host = commune.primary_domain or domain
    netloc = host if str(port) in ("", "80", "443") else f"{host}:{port}"
    return f"{scheme}://{netloc}/meine-geschaefte/{case_id}/"
