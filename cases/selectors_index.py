"""Reads of the cross-commune case index for the public host (the logged-in person only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from tenants.case_index import case_index_for_subject, case_url

from .models import CaseStatus


@dataclass(frozen=True)
class IndexedCase:
    commune: str  # slug
    commune_name: str
    reference: str
    service: str  # key
    service_title: str
    status: str
    status_label: str
    submitted_at: datetime
    updated_at: datetime
    url: str


def my_cases_everywhere(*, user, language: str = "de") -> list[IndexedCase]:
    """Every case of the logged-in person in every commune, newest change first; nothing for
    an account without a provider identity."""
    subject = getattr(user, "oidc_subject", None) or ""
    rows = []
    for entry in case_index_for_subject(subject=subject).prefetch_related("commune__domains"):
        title = entry.service_title_en if language == "en" and entry.service_title_en else ""
        rows.append(
            IndexedCase(
                commune=entry.commune.slug,
                commune_name=entry.commune.name,
                reference=entry.reference,
                service=entry.service_key,
                service_title=title or entry.service_title_de,
                status=entry.status,
                status_label=str(CaseStatus(entry.status).label)
                if entry.status in CaseStatus.values
                else entry.status,
                submitted_at=entry.submitted_at,
                updated_at=entry.updated_at,
                url=case_url(
                    commune=entry.commune,
                    case_id=entry.case_id,
                    scheme=settings.PORTAL_SCHEME,
                    port=str(settings.PORTAL_PORT),
                    domain=settings.PORTAL_DOMAIN,
                ),
            )
        )
    return rows
