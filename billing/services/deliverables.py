"""What the money bought: deliverables and the expenditures linked to them.

Linking never touches the ledger (append-only): the link is its own row.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Deliverable, ExpenditureLink, Kind, LedgerEntry
from .errors import BillingError

STAGES = ("form", "automated")


def deliverable_validate(*, kind: str, title: str, stage: str = "", communes: int = 0) -> None:
    """What ``deliverable_create`` refuses, as a ``BillingError`` per field (also for forms)."""
    errors = {}
    if kind not in Deliverable.Kind.values:
        errors["kind"] = _("Bitte eine Art wählen (Stufe, Schnittstelle, Pilot).")
    if not (title or "").strip():
        errors["title"] = _("Bitte einen Titel angeben.")
    if kind == Deliverable.Kind.STAGE and stage not in STAGES:
        errors["stage"] = _("Die neue Stufe ist «form» oder «automated».")
    elif stage and stage not in STAGES:
        errors["stage"] = _("Die neue Stufe ist leer, «form» oder «automated».")
    if communes is None or communes < 0:
        errors["communes"] = _("Die Anzahl Gemeinden ist 0 oder mehr.")
    if errors:
        raise BillingError(errors)


def deliverable_create(
    *,
    kind: str,
    title: str,
    delivered_on: dt.date,
    service_key: str = "",
    stage: str = "",
    communes: int = 0,
    description: str = "",
) -> Deliverable:
    """Record a deliverable (a service moved up in N communes, a connector, a pilot)."""
    deliverable_validate(kind=kind, title=title, stage=stage, communes=communes)
    return Deliverable.objects.create(
        kind=kind,
        title=title.strip(),
        delivered_on=delivered_on,
        service_key=service_key,
        stage=stage,
        communes=communes,
        description=description,
    )


@transaction.atomic
def expenditure_link(*, entry: LedgerEntry, deliverable: Deliverable) -> ExpenditureLink:
    """Link an expenditure (not a reversal) to a deliverable; linking twice changes nothing."""
    if entry.kind != Kind.EXPENDITURE or entry.reverses_id is not None:
        raise BillingError(
            _("Nur Ausgaben (keine Stornobuchungen) können verknüpft werden."),
            code="not_expenditure",
        )
    link, _created = ExpenditureLink.objects.get_or_create(entry=entry, deliverable=deliverable)
    return link
