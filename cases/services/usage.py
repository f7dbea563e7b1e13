"""Usage counting for the Fünfliber reports (billing), called on commit.

BILLING HOOK — the one place where cases report to billing. Once ``billing.services`` is on
this branch, the two functions below call (by value: commune BFS number + case UUID):

    billing.services.usage_record_submission(
        commune_bfs=..., service_key=..., case_id=..., submitted_at=...)
    billing.services.usage_record_completion(
        commune_bfs=..., service_key=..., case_id=..., submitted_at=..., completed_at=...,
        automated=...)
"""

from __future__ import annotations

from django.db import transaction

from tenants.context import current_commune

from ..models import Case


def _usage_args(case: Case) -> dict:
    commune = current_commune()
    return {
        "commune_bfs": commune.bfs_number if commune else 0,
        "service_key": case.service.key,
        "case_id": case.pk,
        "submitted_at": case.submitted_at,
    }


def on_submitted(case: Case) -> None:
    """Count a submitted case (after commit)."""
    kwargs = _usage_args(case)

    def record() -> None:
        # BILLING HOOK: billing.services.usage_record_submission(**kwargs)
        _ = kwargs

    transaction.on_commit(record)


def on_completed(case: Case, *, automated: bool) -> None:
    """Count a completed case (after commit); ``automated``: no clerk acted on any step."""
    kwargs = {**_usage_args(case), "completed_at": case.closed_at, "automated": automated}

    def record() -> None:
        # BILLING HOOK: billing.services.usage_record_completion(**kwargs)
        _ = kwargs

    transaction.on_commit(record)
