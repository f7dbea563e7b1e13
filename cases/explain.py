"""Plain-language explanations of what a case's status means for the resident, shown on the
case page and on the help page (German, English through gettext)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .models import CaseStatus

STATUS_EXPLANATIONS = {
    CaseStatus.SUBMITTED: _(
        "Ihre Bestellung ist bei der Gemeinde eingegangen. Sie müssen nichts weiter tun."
    ),
    CaseStatus.IN_PROGRESS: _(
        "Die Verwaltung oder ein angeschlossenes Register bearbeitet Ihr Geschäft. Automatische "
        "Schritte dauern meist wenige Minuten, Arbeiten von Hand einige Arbeitstage."
    ),
    CaseStatus.WAITING_FOR_RESIDENT: _(
        "Die Verwaltung braucht Angaben oder Beilagen von Ihnen. Bis Ihre Antwort da ist, ruht "
        "die Frist."
    ),
    CaseStatus.COMPLETED: _(
        "Ihr Geschäft ist erledigt. Dokumente finden Sie auf der Seite des Geschäfts unter "
        "«Dokumente»."
    ),
    CaseStatus.REJECTED: _(
        "Die Verwaltung hat Ihr Gesuch abgelehnt. Die Begründung steht auf der Seite des "
        "Geschäfts; dort steht auch, wie Sie sich dagegen wehren können."
    ),
    CaseStatus.WITHDRAWN: _(
        "Sie haben das Geschäft zurückgezogen; es wird nicht weiter bearbeitet. War noch keine "
        "Rechnung gestellt, wird keine Gebühr erhoben."
    ),
}


def status_explanation(status: str) -> str:
    """What ``status`` means for the resident, "" for an unknown value."""
    return str(STATUS_EXPLANATIONS.get(status, ""))


def status_help() -> list[tuple[str, str]]:
    """(label, explanation) of every status, in the order a case goes through them."""
    return [(str(label), str(STATUS_EXPLANATIONS[value])) for value, label in CaseStatus.choices]
