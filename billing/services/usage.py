"""Usage counters in the public schema, kept by the cases services (cases refer by value).

Each case is counted once: a per-case row (unique commune BFS number + case UUID) decides
whether a call counts, and the monthly counters (per commune, service and month of submission)
are incremented in the same statement sequence. A redelivered job therefore counts nothing.
An order counts as digital (``digital_cases``) when the resident placed it online, else as
recorded by the administration (``recorded_cases``); the reports' "share digital" is
digital / (digital + recorded).
Office hours are Monday–Friday 08:00–17:00 Europe/Zurich; public holidays are not considered.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from ..models import UsageCase, UsageMonthly

OFFICE_TZ = ZoneInfo("Europe/Zurich")
OFFICE_OPENS = dt.time(8, 0)
OFFICE_CLOSES = dt.time(17, 0)

_CASES = UsageCase._meta.db_table
_MONTHLY = UsageMonthly._meta.db_table


def _aware(moment: dt.datetime, name: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} muss eine Zeitzone haben.")
    return moment


def outside_office_hours(moment: dt.datetime) -> bool:
    """True outside Mon–Fri 08:00–17:00 in Zurich (17:00 itself is outside)."""
    local = _aware(moment, "Zeitpunkt").astimezone(OFFICE_TZ)
    if local.weekday() >= 5:
        return True
    return not (OFFICE_OPENS <= local.time() < OFFICE_CLOSES)


def _month(moment: dt.datetime) -> dt.date:
    return moment.astimezone(OFFICE_TZ).date().replace(day=1)


_SUBMISSION_SQL = f"""WITH counted AS (
      INSERT INTO {_CASES}
        (commune_bfs, case_id, service_key, month, submitted_at, outside_office_hours, digital)
      VALUES (%s, %s, %s, %s, %s, %s, %s)
      ON CONFLICT (commune_bfs, case_id) DO NOTHING RETURNING id
    )
    INSERT INTO {_MONTHLY} AS m
      (commune_bfs, service_key, month, digital_cases, recorded_cases, outside_office_hours,
       completed_cases, automated_cases, processing_seconds)
    SELECT %s, %s, %s, %s, %s, %s, 0, 0, 0 FROM counted
    ON CONFLICT (commune_bfs, service_key, month) DO UPDATE SET
      digital_cases = m.digital_cases + EXCLUDED.digital_cases,
      recorded_cases = m.recorded_cases + EXCLUDED.recorded_cases,
      outside_office_hours = m.outside_office_hours + EXCLUDED.outside_office_hours
    RETURNING 1"""  # noqa: S608


def usage_submission_statement(
    *,
    commune_bfs: int,
    service_key: str,
    case_id: uuid.UUID,
    submitted_at: dt.datetime,
    digital: bool = True,
) -> tuple[str, list]:
    """The one statement that counts a submitted case (SQL, positional parameters), for a
    caller that sends it together with its own writes; it returns a row when it counted.

    ``digital``: the resident ordered online; False when a clerk recorded the order for them.
    """
    _aware(submitted_at, "submitted_at")
    # One statement: the per-case row decides, the monthly counter follows only when it was new.
    month = _month(submitted_at)
    outside = outside_office_hours(submitted_at)
    return _SUBMISSION_SQL, [
        commune_bfs,
        case_id,
        service_key,
        month,
        submitted_at,
        outside,
        digital,
        commune_bfs,
        service_key,
        month,
        int(digital),
        1 - int(digital),
        int(outside),
    ]


def _record_submission(
    cursor,
    commune_bfs: int,
    service_key: str,
    case_id: uuid.UUID,
    submitted_at: dt.datetime,
    digital: bool,
) -> bool:
    cursor.execute(
        *usage_submission_statement(
            commune_bfs=commune_bfs,
            service_key=service_key,
            case_id=case_id,
            submitted_at=submitted_at,
            digital=digital,
        )
    )
    return cursor.fetchone() is not None


def usage_record_submission(
    *,
    commune_bfs: int,
    service_key: str,
    case_id: uuid.UUID,
    submitted_at: dt.datetime,
    digital: bool = True,
) -> None:
    """Count a submitted case once (a repeated call for the same case does nothing).

    ``digital``: the resident ordered online; False when a clerk recorded the order for them.
    """
    _aware(submitted_at, "submitted_at")
    # A single statement: atomic by itself, no savepoint inside the case's transaction.
    with connection.cursor() as cursor:
        _record_submission(cursor, commune_bfs, service_key, case_id, submitted_at, digital)


_COMPLETION_SQL = f"""
    WITH done AS (
      UPDATE {_CASES} SET completed_at = %s, automated = %s
      WHERE commune_bfs = %s AND case_id = %s AND completed_at IS NULL
      RETURNING service_key, month, submitted_at
    )
    UPDATE {_MONTHLY} AS m SET
      completed_cases = m.completed_cases + 1,
      automated_cases = m.automated_cases + %s,
      processing_seconds = m.processing_seconds
        + GREATEST(FLOOR(EXTRACT(EPOCH FROM (%s::timestamptz - done.submitted_at))), 0)::bigint
    FROM done
    WHERE m.commune_bfs = %s AND m.service_key = done.service_key AND m.month = done.month
"""  # noqa: S608


def usage_completion_statements(
    *,
    commune_bfs: int,
    service_key: str,
    case_id: uuid.UUID,
    submitted_at: dt.datetime,
    completed_at: dt.datetime,
    automated: bool,
    digital: bool = True,
) -> list[tuple[str, list]]:
    """The statements that count a completed case (SQL, positional parameters), in order, for
    a caller that sends them together with its own writes: the submission, should it never have
    been counted, then the completion with the monthly counters in one statement (it changes
    nothing when the case was counted as completed before). Their rows are not needed."""
    _aware(submitted_at, "submitted_at")
    _aware(completed_at, "completed_at")
    submission = usage_submission_statement(
        commune_bfs=commune_bfs,
        service_key=service_key,
        case_id=case_id,
        submitted_at=submitted_at,
        digital=digital,
    )
    completion = [completed_at, automated, commune_bfs, case_id]
    completion += [int(automated), completed_at, commune_bfs]
    return [submission, (_COMPLETION_SQL, completion)]


def usage_record_completion(**counted: Any) -> None:
    """Count a completed case once, now: the statements of ``usage_completion_statements``
    (same arguments). Counted in the month of submission; a case whose submission was never
    counted is counted as submitted first; a repeated call for the same case does nothing."""
    statements = usage_completion_statements(**counted)
    # Inside the case's transaction no savepoint is needed: a failure rolls the case back too.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
