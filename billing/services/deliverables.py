"""What the money bought: deliverables and the expenditures linked to them.

Linking never touches the ledger (append-only): the link is its own row.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from ..models import Deliverable, ExpenditureLink, Kind, LedgerEntry
from .errors import BillingError


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
    errors = {}
    if kind not in Deliverable.Kind.values:
        errors["kind"] = "Bitte eine Art wählen (Stufe, Schnittstelle, Pilot)."
    if not (title or "").strip():
        errors["title"] = "Bitte einen Titel angeben."
    if kind == Deliverable.Kind.STAGE and stage not in ("form", "automated"):
        errors["stage"] = "Die neue Stufe ist «form» oder «automated»."
    if errors:
        raise BillingError(errors)
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
        raise BillingError("Nur Ausgaben (keine Stornobuchungen) können verknüpft werden.")
    link, _ = ExpenditureLink.objects.get_or_create(entry=entry, deliverable=deliverable)
    return link
