"""Why an automated step became a clerk's task, and which of those reasons are failures.

An automated step in ``manual_fallback`` is a clerk's task for one of three kinds of reason:

* by design: the commune offers the service at stage ``form`` (``STAGE_FORM_REASON``), so the
  clerk does what the machine would do at stage ``automated``;
* by policy: the applicant's identity is not verified (``IDENTITY_UNVERIFIED_REASON``), so no
  register is asked with typed-in values and a clerk checks the identity;
* a failure: the machine tried (``attempts > 0``) and gave up, or no adapter is set up.

The back office shows "Automatisierung gescheitert" only for failures (``failed_fallback_q``).
"""

from __future__ import annotations

from django.db.models import Q

IDENTITY_UNVERIFIED_REASON = (
    "Die Identität der Antragstellerin / des Antragstellers ist nicht durch eine verifizierte "
    "Anmeldung (AGOV / E-ID) bestätigt: bitte die Identität prüfen (Ausweis) und den Schritt von "
    "Hand erledigen. An das Register wurde nichts gesendet."
)
STAGE_FORM_REASON = (
    "Die Gemeinde bietet diese Dienstleistung auf der Stufe «Formular» an: "
    "der Schritt wird von der Verwaltung erledigt."
)
NOT_FAILURES = (STAGE_FORM_REASON, IDENTITY_UNVERIFIED_REASON)


def failed_fallback_q(prefix: str = "") -> Q:
    """Steps (``prefix`` for a related lookup, e.g. ``"steps__"``) that fell back because the
    automation failed, not by design or policy."""
    return Q(**{f"{prefix}attempts__gt": 0}) | ~Q(**{f"{prefix}last_error__in": NOT_FAILURES})


def fallback_is_failure(*, attempts: int, last_error: str) -> bool:
    """The same test for a step at hand."""
    return attempts > 0 or last_error not in NOT_FAILURES
