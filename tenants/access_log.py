"""The register access log (public schema, by value): written by a commune's case services in
their own transaction, read by the person it is about (their subject, or their account in one
commune)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from .models import Commune, RegisterAccess


def register_access_write(entries: Iterable[RegisterAccess]) -> int:
    """Store access entries (one statement, in the caller's transaction); returns how many."""
    rows = list(entries)
    if rows:
        RegisterAccess.objects.bulk_create(rows)
    return len(rows)


def register_access_for_person(
    *, subject: str | None, commune: Commune | None = None, user_id: int | None = None
) -> QuerySet[RegisterAccess]:
    """The entries about one person, newest first: by subject in every commune, plus (on a
    commune's host) those recorded for their account there."""
    match = Q(pk__in=[])
    if subject:
        match |= Q(subject=subject)
    if commune is not None and user_id is not None:
        match |= Q(commune=commune, user_id=user_id)
    return (
        RegisterAccess.objects.filter(match)
        .select_related("commune")
        .order_by("-created_at", "-id")
    )


def register_access_plain(entry: RegisterAccess) -> dict:
    """One entry as JSON-safe data (API and export)."""
    return {
        "commune": entry.commune.name,
        "case_reference": entry.case_reference,
        "service": entry.service_key,
        "purpose": entry.service_title_de,
        "legal_basis": entry.legal_basis,
        "kind": entry.kind,
        "register": entry.register,
        "triggered_by": entry.triggered_by,
        "attributes": list(entry.attributes),
        "message_id": entry.message_id,
        "created_at": entry.created_at.isoformat(),
    }
