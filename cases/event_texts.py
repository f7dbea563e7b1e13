"""Texts of the case timeline in the reader's language.

An event keeps its German text as the record (``CaseEvent.text``) and, beside it in
``details``, the code and parameters it was written from; pages and the API show it again in
the language of the reader. Events written before codes existed have no code: they show their
German text in every language.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CODE_KEY = "text_code"
PARAMS_KEY = "text_params"

TEXTS: dict[str, Promise | str] = {
    "submitted": _("Geschäft %(reference)s eingereicht"),
    "status": _("Status: %(status)s"),
    "assigned": _("Zugewiesen an %(person)s"),
    "unassigned": _("Zuweisung aufgehoben"),
    "info_requested": _("Die Verwaltung braucht weitere Angaben von Ihnen"),
    "info_answered": _("Rückfrage beantwortet"),
    "approved": _("Gutgeheissen"),
    "rejected": _("Abgelehnt: %(reason)s"),
    "shared": _("Weitergeleitet an die Gruppe %(group)s"),
    "document_added": _("Dokument «%(name)s» hinzugefügt"),
    "hold_set": _("Löschung gesperrt (%(holds)s)"),
    "hold_lifted": _("Löschsperre aufgehoben"),
    "withdrawn": _("Geschäft zurückgezogen"),
    "withdrawn_reason": _("Geschäft zurückgezogen: %(reason)s"),
    "message_resident": _("Nachricht der Einwohnerin / des Einwohners"),
    "message_office": _("Nachricht der Verwaltung"),
    "invoice_issued": _("Rechnung erstellt"),
    "invoice_summary": "%(summary)s",  # the adapter's summary, in each language it gave
    "payment_started": _("Online-Zahlung über CHF %(amount)s begonnen"),
    "payment_paid": _("Gebühr von CHF %(amount)s online bezahlt"),
    "payment_failed": _("Online-Zahlung fehlgeschlagen"),
    "payment_canceled": _("Online-Zahlung abgebrochen"),
    "payment_refunded": _("Gebühr von CHF %(amount)s zurückerstattet (Gesuch abgelehnt)"),
    "step_manual": _("Schritt «%(step)s» muss von Hand erledigt werden: %(reason)s"),
    "step_done": _("Schritt «%(step)s» erledigt"),
    "step_done_comment": _("Schritt «%(step)s» erledigt: %(comment)s"),
    "step_retry": _("Schritt «%(step)s» wird erneut automatisch ausgeführt"),
    "step_started": _("Schritt «%(step)s» läuft automatisch (Versuch %(attempt)s)"),
    "step_failed": _("Schritt «%(step)s» fehlgeschlagen, wird wiederholt: %(error)s"),
    "step_auto_done": _("Schritt «%(step)s» automatisch erledigt"),
    "step_auto_done_summary": _("Schritt «%(step)s» automatisch erledigt: %(summary)s"),
    "handover_acknowledged": _(
        "Zuzug bei der Gemeinde %(commune)s automatisch gemeldet und quittiert (Meldung %(message)s)"
    ),
    "handover_failed": _(
        "Die Zuzugsgemeinde %(commune)s konnte den Zuzug nicht automatisch erfassen: %(error)s. "
        "Bitte mit der Gemeinde %(commune)s klären."
    ),
}


def in_languages(text: Promise | str, **params: Any) -> dict[str, str]:
    """A translatable text (e.g. a status label) as ``{"de": …, "en": …}`` for the params."""
    values = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            values[code] = str(text) % params if params else str(text)
    return values


def step_names(step: Any) -> dict[str, str]:
    """A step's name as a parameter (English where the catalogue has it)."""
    return {"de": step.name_de, "en": step.name_en}


def summary_event(output: Any, *, with_summary: str, without: str, **params: Any) -> dict:
    """``code``/``params`` of an event that repeats a step's summary (``summary`` German,
    ``summary_en`` English where the step gave one), or of ``without`` if it gave none."""
    summary = str(output.get("summary") or "") if isinstance(output, dict) else ""
    if not summary:
        return {"code": without, "params": params or None}
    english = str(output.get("summary_en") or "")
    return {
        "code": with_summary,
        "params": {**params, "summary": {"de": summary, "en": english} if english else summary},
    }


def _param(value: Any, language: str) -> str:
    if isinstance(value, dict):
        return str(value.get(language) or value.get("de") or "")
    return str(value)


def event_text(code: str, params: dict[str, Any] | None = None, *, language: str = "de") -> str:
    """The timeline text ``code`` in ``language``; a parameter given as ``{"de": …, "en": …}``
    is taken in that language (German where the other is empty)."""
    template = _template(code, language)
    values = {name: _param(value, language) for name, value in (params or {}).items()}
    return template % values if values else template


@lru_cache(maxsize=1024)
def _template(code: str, language: str) -> str:
    """The text ``code`` in ``language``, translated once per process (the catalogues do not
    change while it runs): every step of the process machine writes two or three entries."""
    with translation.override(language):
        return str(TEXTS[code])


def event_text_shown(*, text: str, details: dict | None, language: str) -> str:
    """What a timeline entry reads in ``language``: rendered from its code if it has a known
    one, else its stored (German) text."""
    details = details or {}
    code = details.get(CODE_KEY)
    if language == "de" or code not in TEXTS:
        return text
    return event_text(code, details.get(PARAMS_KEY) or {}, language=language)
