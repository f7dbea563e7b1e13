"""Retention: the personal content of closed cases is deleted once the retention period of the
service version they were ordered under has passed (revDSG Art. 6 Abs. 4).

Deleted per case: form data and identity (the case row), steps with their register payloads,
events, documents and uploads (rows and files), messages, object permissions, the public index
entry, and the payload/answer of hand-overs the commune sent. Kept: the usage counters and the
ledger (public, by value, no personal content), the register access log, and one
``DeletionRecord`` per case (what, when, which rule). Cases with an open objection or a clerk's
legal hold are skipped and listed. The same run deletes the commune's login records (django-axes)
older than ``AXES_RETENTION_DAYS``; ``accounts.actors.expire_public_login_records`` does it for
the public schema (cantonal staff).

Order drafts (``cases.services.drafts``) are deleted ``DRAFT_RETENTION_DAYS`` after their last
change, with their uploads; nothing is recorded about them (they never reached the commune).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from accounts.lockout import login_records_expire
from tenants.context import current_commune

from ..models import CLOSED_STATUSES
from .drafts import drafts_expire

BATCH = 2_000
# What a deletion removes (the record names the kinds; counting them per case would cost a
# lookup per kind and case).
DELETED_KINDS = {
    "kinds": [
        "form_data",
        "identity",
        "uploads",
        "documents",
        "messages",
        "steps_and_register_payloads",
        "timeline",
        "case_index_entry",
        "handover_payloads",
        "payment_and_payer_names",
    ]
}
HELD_LISTED = 200

# Closed cases whose retention period has passed, oldest first; %(held)s picks held or free.
_DUE = """
SELECT c.id, c.reference FROM cases_case c
JOIN catalog_serviceversion v ON v.id = c.version_id
WHERE c.closed_at IS NOT NULL AND c.status = ANY(%(closed)s)
  AND c.closed_at <= %(now)s - v.retention_days * interval '1 day'
  AND (c.objection_open OR c.legal_hold) = %(held)s
ORDER BY c.closed_at, c.id
"""

_RECORD = """
INSERT INTO cases_deletionrecord (case_id, reference, service_key, version_number, status,
  closed_at, retention_days, legal_basis, deleted, deleted_at)
SELECT c.id, c.reference, s.key, v.number, c.status, c.closed_at, v.retention_days,
  v.retention_legal_basis,
  %(kinds)s::jsonb,
  %(now)s
FROM cases_case c
JOIN catalog_serviceversion v ON v.id = c.version_id
JOIN catalog_service s ON s.id = v.service_id
WHERE c.id = ANY(%(ids)s)
"""

_DELETE = (
    "DELETE FROM cases_caseuserobjectpermission WHERE content_object_id = ANY(%(ids)s)",
    "DELETE FROM cases_casegroupobjectpermission WHERE content_object_id = ANY(%(ids)s)",
    "DELETE FROM cases_message WHERE case_id = ANY(%(ids)s)",
    "DELETE FROM cases_document WHERE case_id = ANY(%(ids)s)",
    "DELETE FROM cases_caseevent WHERE case_id = ANY(%(ids)s)",
    "DELETE FROM cases_casestep WHERE case_id = ANY(%(ids)s)",
    "DELETE FROM cases_notificationsent WHERE case_id = ANY(%(ids)s)",
    # Bank credits stay for the books (amount, reference, date), without the payer's name and
    # the link to the payment; the payment record goes with its case.
    "UPDATE cases_bankcredit SET payment_id = NULL, debtor = '' WHERE payment_id IN "
    "(SELECT id FROM cases_payment WHERE case_id = ANY(%(ids)s))",
    "DELETE FROM cases_payment WHERE case_id = ANY(%(ids)s)",
)
_DELETE_CASES = "DELETE FROM cases_case WHERE id = ANY(%(ids)s)"
_PUBLIC = (
    # Public, by value: this commune's index entries and the content of its hand-overs.
    "DELETE FROM tenants_caseindexentry WHERE commune_id = %(commune)s AND case_id = ANY(%(ids)s)",
    "UPDATE tenants_handover SET payload = '{}', result = '{}'"
    " WHERE from_commune_id = %(commune)s AND case_id = ANY(%(ids)s)",
)


@dataclass
class RetentionResult:
    """What one run found and did (``on_hold_references``: the held cases, first 200)."""

    due: int = 0
    deleted: int = 0
    on_hold: int = 0
    on_hold_references: list[str] = field(default_factory=list)
    due_references: list[str] = field(default_factory=list)
    # Login records (django-axes, with IP addresses) past AXES_RETENTION_DAYS.
    login_records_deleted: int = 0
    # Drafts unchanged for DRAFT_RETENTION_DAYS: deleted (with dry_run: found).
    drafts: int = 0

    def as_dict(self) -> dict:
        return {
            "due": self.due,
            "deleted": self.deleted,
            "on_hold": self.on_hold,
            "on_hold_references": self.on_hold_references,
            "login_records_deleted": self.login_records_deleted,
            "drafts": self.drafts,
        }


def _select(*, now: dt.datetime, held: bool) -> list[tuple[uuid.UUID, str]]:
    with connection.cursor() as cursor:
        cursor.execute(_DUE, {"closed": list(CLOSED_STATUSES), "now": now, "held": held})
        return cursor.fetchall()


def _delete_batch(*, ids: list[uuid.UUID], commune_id: int, now: dt.datetime) -> int:
    """Delete the cases ``ids`` with everything personal about them, in one transaction."""
    params = {"ids": ids, "commune": commune_id, "now": now, "kinds": json.dumps(DELETED_KINDS)}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_RECORD, params)
        cursor.execute("SELECT file FROM cases_document WHERE case_id = ANY(%(ids)s)", params)
        files = [row[0] for row in cursor.fetchall() if row[0]]
        for statement in _DELETE:
            cursor.execute(statement, params)
        cursor.execute(_DELETE_CASES, params)
        deleted = cursor.rowcount
        for statement in _PUBLIC:
            cursor.execute(statement, params)
        if files:
            transaction.on_commit(lambda: _files_delete(files))
    return deleted


def _files_delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def retention_apply(
    *, dry_run: bool = False, now: dt.datetime | None = None, limit: int | None = None
) -> RetentionResult:
    """Delete (or, with ``dry_run``, only count) the cases of the current commune whose
    retention period has passed; cases on hold are counted and listed, never touched. Drafts
    unchanged for ``DRAFT_RETENTION_DAYS`` go too (``drafts``).

    ``limit`` bounds how many cases one run deletes (the periodic job continues next tick).
    The commune's login records older than ``AXES_RETENTION_DAYS`` go too.
    """
    commune = current_commune()
    if commune is None:
        raise RuntimeError("retention_apply runs in a commune")
    now = now or timezone.now()
    due = _select(now=now, held=False)
    held = _select(now=now, held=True)
    result = RetentionResult(
        due=len(due),
        on_hold=len(held),
        on_hold_references=[ref for _id, ref in held[:HELD_LISTED]],
        due_references=[ref for _id, ref in due[:HELD_LISTED]],
    )
    result.drafts = drafts_expire(now=now, dry_run=dry_run)
    if dry_run:
        return result
    result.login_records_deleted = login_records_expire(now=now)
    ids = [case_id for case_id, _ref in (due if limit is None else due[:limit])]
    for start in range(0, len(ids), BATCH):
        result.deleted += _delete_batch(
            ids=ids[start : start + BATCH], commune_id=commune.pk, now=now
        )
    return result
