"""Building blocks every case service uses: audit events, status and clock, permissions and
notifications. Private to ``cases.services``."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from accounts.models import User
from tenants.context import current_commune
from tenants.outbox import enqueue_in_transaction

from ..calendar import add_working_days, working_days_between
from ..event_texts import CODE_KEY, PARAMS_KEY, event_text, in_languages
from ..exceptions import InvalidTransition
from ..jobs import SEND_NOTIFICATIONS
from ..models import Case, CaseEvent, CaseStatus, CaseStep, StepKind
from ..permissions import can_work_on
from .deferred import insert_statement, row_save, write_later
from .index import case_index_write

# Steps that have no responsible group, and services whose offer names none, land here.
DEFAULT_GROUP_NAME = "Gemeindeverwaltung"


def event_write(
    *,
    case: Case,
    actor: User | None,
    kind: str,
    text: str = "",
    code: str = "",
    params: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    visible: bool = False,
) -> CaseEvent:
    """Append one entry to the case's audit timeline (``actor`` None means the system).

    With ``code`` (``cases.event_texts.TEXTS``) and ``params`` the German text is made from
    them and both are kept, so the entry can be shown in English too; ``text`` is for free
    text (a clerk's note). Inside ``events_batched()`` the entry is inserted with the block's
    others at its end."""
    event = event_new(
        case=case,
        actor=actor,
        kind=kind,
        text=text,
        code=code,
        params=params,
        details=details,
        visible=visible,
    )
    batch = _events_batch.get()
    if batch is not None:
        batch.append(event)
    else:
        event.save(force_insert=True)
    return event


_events_batch: ContextVar[list[CaseEvent] | None] = ContextVar("case_events_batch", default=None)


@contextmanager
def events_batched() -> Iterator[None]:
    """Insert the audit events written inside the block in one statement when it ends without
    an error (use it inside the transaction, so they commit with the rest); after an error they
    are dropped, like the transaction's other writes. Their order is kept (ids ascending)."""
    batch: list[CaseEvent] = []
    token = _events_batch.set(batch)
    try:
        yield
    finally:
        _events_batch.reset(token)
    if batch:
        write_later(("events", id(batch)), lambda: [insert_statement(batch)])


def event_new(
    *,
    case: Case,
    actor: User | None,
    kind: str,
    text: str = "",
    code: str = "",
    params: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    visible: bool = False,
) -> CaseEvent:
    """The entry ``event_write`` appends, not yet saved (for a ``WriteBatch``)."""
    details = dict(details or {})
    if code:
        text = event_text(code, params)
        details[CODE_KEY], details[PARAMS_KEY] = code, params or {}
    return CaseEvent(
        case=case,
        actor=actor,
        kind=kind,
        text=text,
        details=details,
        visible_to_resident=visible,
    )


def due_date_for(case: Case) -> dt.date:
    start = timezone.localdate(case.submitted_at)
    return add_working_days(start, case.norm_days + case.paused_days)


# What a status change writes of the case's row: the status and its deadline clock. The rest
# of the row is its callers' to save (they do: ``case.save()`` or ``fields`` below), so the
# encrypted form data and identity are not encrypted and written again with every status.
STATUS_FIELDS = ("status", "paused_since", "paused_days", "due_date", "updated_at")


def status_set(
    *,
    case: Case,
    status: str,
    actor: User | None,
    now: dt.datetime,
    fields: Iterable[str] = (),
) -> bool:
    """Move the case to ``status``, pausing or resuming the deadline clock, with an event;
    ``fields``: other fields of the case the caller changed, written with the status.

    Returns whether the status changed (nothing is written otherwise). The clock pauses when
    the case starts waiting for the resident and resumes when it stops; the working days of
    the pause push the due date back.
    """
    old = case.status
    if old == status:
        return False
    if status == CaseStatus.WAITING_FOR_RESIDENT and case.paused_since is None:
        case.paused_since = now
    elif old == CaseStatus.WAITING_FOR_RESIDENT and case.paused_since is not None:
        paused = working_days_between(
            timezone.localdate(case.paused_since), timezone.localdate(now)
        )
        case.paused_days += paused
        case.paused_since = None
        case.due_date = due_date_for(case)
    case.status = status
    row_save(case, [*STATUS_FIELDS, *fields])
    case_index_write(case)
    event_write(
        case=case,
        actor=actor,
        kind="status",
        code="status",
        params={"status": in_languages(CaseStatus(status).label)},
        details={"from": old, "to": status},
        visible=True,
    )
    return True


def _steps_of(case: Case, steps: list[CaseStep] | None) -> list[CaseStep]:
    return steps if steps is not None else list(case.steps.order_by("position"))


def current_step(case: Case, steps: list[CaseStep] | None = None) -> CaseStep | None:
    """The first step that is neither done nor skipped (``steps``: the case's steps, if known)."""
    return next((s for s in _steps_of(case, steps) if not s.is_finished), None)


def status_derive(case: Case, steps: list[CaseStep] | None = None) -> str:
    """The status an open case has according to its steps, assignment and information request."""
    steps = _steps_of(case, steps)
    step = current_step(case, steps)
    if case.awaiting_info or (step is not None and step.kind == StepKind.RESIDENT):
        return CaseStatus.WAITING_FOR_RESIDENT
    # Once the administration has started (assigned, a step done, a question asked), a case
    # never goes back to "submitted".
    worked_on = (
        case.status != CaseStatus.SUBMITTED
        or case.assignee_id is not None
        or any(s.status in ("done", "running", "failed") for s in steps)
    )
    return CaseStatus.IN_PROGRESS if worked_on else CaseStatus.SUBMITTED


def status_refresh(
    *, case: Case, actor: User | None, now: dt.datetime, steps: list[CaseStep] | None = None
) -> None:
    if case.is_open:
        status_set(case=case, status=status_derive(case, steps), actor=actor, now=now)


def require_worker(*, user: User, case: Case) -> None:
    """Raise PermissionDenied unless ``user`` may work on the case in the back office."""
    if not can_work_on(user=user, case=case):
        raise PermissionDenied(_("Sie sind für dieses Geschäft nicht berechtigt."))


def require_applicant(*, user: User, case: Case) -> None:
    if case.applicant_id != user.pk:
        raise PermissionDenied(_("Dieses Geschäft gehört nicht Ihnen."))


def require_open(case: Case) -> None:
    if not case.is_open:
        raise InvalidTransition(
            _("Das Geschäft %(reference)s ist bereits %(status)s.")
            % {"reference": case.reference, "status": case.get_status_display()},
            code="case_closed",
        )


# One statement: create the missing groups, then grant each group view_case and change_case
# on the case (guardian's direct-FK group permission table).
# The groups (created if missing: the created ones are not yet visible to the scan of
# auth_group in the same statement, the existing ones are not among the created) times the two
# permissions. Written without joins to keep PostgreSQL's planning short (~0.1 ms less).
_GRANT_GROUPS_SQL = """
WITH created AS (
    INSERT INTO auth_group (name) SELECT unnest(%s::text[])
    ON CONFLICT (name) DO NOTHING RETURNING id
)
INSERT INTO cases_casegroupobjectpermission (permission_id, group_id, content_object_id)
SELECT p.id, g.id, %s
FROM (SELECT id FROM created UNION ALL SELECT id FROM auth_group WHERE name = ANY(%s::text[])) g
CROSS JOIN auth_permission p
WHERE p.content_type_id = (
    SELECT id FROM django_content_type WHERE app_label = 'cases' AND model = 'case'
  )
  AND p.codename IN ('view_case', 'change_case')
ON CONFLICT DO NOTHING
"""


def groups_grant(*, case: Case, group_names: set[str]) -> None:
    """Let the commune's groups named ``group_names`` (created if missing) see and work on the
    case."""
    if not group_names:
        return
    with connection.cursor() as cursor:
        cursor.execute(*groups_grant_statement(case=case, group_names=group_names))


def groups_grant_statement(*, case: Case, group_names: set[str]) -> tuple[str, list[Any]]:
    """The one statement of ``groups_grant`` (SQL, positional parameters), for a batch."""
    names = sorted(group_names)
    return _GRANT_GROUPS_SQL, [names, case.pk, names]


def group_grant(*, case: Case, group_name: str) -> Group:
    """Let the commune's group ``group_name`` (created if missing) see and work on the case."""
    groups_grant(case=case, group_names={group_name})
    return Group.objects.get(name=group_name)


def user_grant(*, case: Case, user: User) -> None:
    assign_perm("cases.view_case", user, case)
    assign_perm("cases.change_case", user, case)


_hosts: dict[int, tuple[float, str]] = {}


def _commune_host() -> str:
    """The current commune's primary host, remembered for a minute (links in e-mails)."""
    commune = current_commune()
    if commune is None:
        return settings.PORTAL_DOMAIN
    now = time.monotonic()
    cached = _hosts.get(commune.pk)
    if cached and now - cached[0] < 60:
        return cached[1]
    host = commune.primary_domain or settings.PORTAL_DOMAIN
    _hosts[commune.pk] = (now, host)
    return host


def case_url(case: Case) -> str:
    host = _commune_host()
    port = str(settings.PORTAL_PORT)
    netloc = host if port in ("", "80", "443") else f"{host}:{port}"
    return f"{settings.PORTAL_SCHEME}://{netloc}/meine-geschaefte/{case.pk}/"


def backoffice_url(case: Case) -> str:
    return case_url(case).replace("/meine-geschaefte/", "/backoffice/geschaefte/")


def notify_on_commit(*, recipient: User | None, case: Case, for_clerk: bool = False) -> None:
    """E-mail ``recipient`` that there is news in the case: a job, written in the current
    transaction and sent by the workers' relay once it commits (``tenants.outbox``; it is
    never lost); ``cases.services.notifications`` builds and sends the mail.

    The mail carries the reference and a link only: no names, no data, no decision. The job's
    message carries ids and a fresh key (idempotent sending), never the address.
    """
    if recipient is None or not recipient.email:
        return
    enqueue_in_transaction(
        SEND_NOTIFICATIONS, uuid.uuid4().hex, str(case.pk), recipient.pk, for_clerk
    )
