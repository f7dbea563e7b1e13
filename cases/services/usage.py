"""Usage counting for the Fünfliber reports: the one place where cases report to billing.

Called inside the case's own transaction, so a case change and its count commit together
(nothing lost); billing counts by value (commune BFS number + case UUID) and ignores a repeated
call for the same case, so a redelivered step never counts twice.
"""

from __future__ import annotations

from billing.services import (
    usage_completion_statements,
    usage_record_submission,
    usage_submission_statement,
)
from tenants.context import current_commune

from ..models import Case
from .deferred import write_later


def _usage_args(case: Case) -> dict:
    commune = current_commune()
    if commune is None:
        raise RuntimeError("Usage can only be counted inside a commune.")
    return {
        "commune_bfs": commune.bfs_number,
        "service_key": case.service.key,
        "case_id": case.pk,
        "submitted_at": case.submitted_at,
    }


def on_submitted(case: Case) -> None:
    """Count a submitted case: digital when the resident ordered it online, not digital when a
    clerk's account entered it (an order taken at the counter, by phone or by letter)."""
    usage_record_submission(**_usage_args(case), digital=not case.applicant.is_clerk)


def submitted_statement(case: Case) -> tuple[str, list]:
    """The statement ``on_submitted`` runs (SQL, positional parameters), for a batch."""
    return usage_submission_statement(**_usage_args(case), digital=not case.applicant.is_clerk)


def on_completed(case: Case, *, automated: bool) -> None:
    """Count a completed case; ``automated``: no clerk acted on any step (in the machine's
    transactions with its other writes, ``cases.services.deferred``)."""
    statements = usage_completion_statements(
        **_usage_args(case), completed_at=case.closed_at, automated=automated
    )
    write_later(("usage-completed", case.pk), lambda: statements)
