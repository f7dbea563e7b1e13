"""Moves (the eCH-0093 process): moveOut to the departure commune's register, moveIn to the
arrival commune's, a move within the commune as eCH-0020 ``move``, each acknowledged (eCH-0020
delivery, eCH-0058 report).

A move between two communes of the portal (Kriens → Emmen) is reported to Kriens's register by
the Kriens case's ``deregister`` step, which then opens a public ``tenants.Handover``. A job in
Emmen's schema (``cases.actors.handover_receive``, sent by name) runs the arrival's side in
``cases.services.handovers``: it reads only that record, reports the moveIn to Emmen's register
(``move_in_request``, below) and answers; a job back in Kriens
(``cases.actors.handover_returned``) writes the arrival's acknowledgement into the resident's one
case. The resident follows the whole move on the case they submitted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from integrations.adapters.resident_register.data import (
    Address,
    AddressChangeRequest,
    MoveInRequest,
    MoveOutRequest,
    Municipality,
)
from tenants import handover as handovers
from tenants.models import Commune, Handover
from tenants.selectors import commune_for_postcode

from ..handlers import PermanentStepError, StepCall, register
from ..jobs import HANDOVER_RECEIVE
from ..models import Case
from .common import (
    adapter_call,
    case_of,
    commune_required,
    date_of,
    document_generated_add,
    person_from,
    person_required,
    slug_of,
)

HANDOVER_MOVE = "move"


def address_of(value: Any, *, label: str) -> Address:
    """A form's or hand-over's address as eCH address; ``PermanentStepError`` if incomplete."""
    if not isinstance(value, dict) or not value.get("postcode") or not value.get("town"):
        raise PermanentStepError(f"Angabe «{label}» fehlt.", code="invalid_data")
    return Address(
        street=str(value.get("street", "")),
        house_number=str(value.get("house_number", "")),
        postcode=str(value["postcode"]),
        town=str(value["town"]),
    )


def _store_message(case: Case, step_key: str, xml: bytes, name: str) -> None:
    """Keep the eCH-0020 delivery that was sent, for the record (internal document)."""
    document_generated_add(
        case=case,
        step_key=step_key,
        name=name,
        content=xml,
        content_type="application/xml",
        visible_to_resident=False,
    )


def _person_event(commune: Commune, person: dict) -> dict[str, Any]:
    """The ``PersonEvent`` fields of a register message about ``person`` in ``commune``."""
    return {
        "bfs_number": commune.bfs_number,
        "commune_name": commune.name,
        "vn": str(person["vn"]),
        "official_name": str(person["official_name"]),
        "first_name": str(person["first_name"]),
        "sex": str(person["sex"]),
        "date_of_birth": date_of(person["date_of_birth"], label="Geburtsdatum"),
    }


WHAT_EN = {"Wegzug": "Departure", "Zuzug": "Arrival", "Adressänderung": "Change of address"}


def _acknowledged(
    call: StepCall, result: Any, *, kind: str, what: str, commune: Commune
) -> tuple[Case, dict]:
    """Keep the delivery that was sent (``ech0020-<kind>-<reference>.xml``) and describe the
    register's acknowledgement as the step's output; returns the case too."""
    case = case_of(call)
    _store_message(
        case, call.step_key, result.request_xml, f"ech0020-{kind}-{slug_of(call.reference)}.xml"
    )
    return case, {
        "message_id": result.message_id,
        "reference_message_id": result.reference_message_id,
        "person_id": result.person_id,
        "summary": (
            f"{what} vom Einwohnerregister {commune.name} quittiert (Meldung {result.message_id})"
        ),
        "summary_en": (
            f"{WHAT_EN[what]} acknowledged by the resident register of {commune.name} "
            f"(message {result.message_id})"
        ),
    }


def destination_commune(address: dict) -> Commune | None:
    """The portal commune a Swiss address lies in: by the town's name, else by a postcode that
    belongs to exactly one Luzern commune (e.g. "6020 Emmenbrücke" → Emmen)."""
    commune = handovers.commune_for_town(town=str(address.get("town", "")))
    if commune is not None:
        return commune
    return commune_for_postcode(postcode=str(address.get("postcode", "")))


@register("resident_register.move_out")
def move_out(call: StepCall) -> dict:
    """Report the departure to this commune's register; a destination in another commune of
    the portal gets the move through a hand-over."""
    commune = commune_required()
    person = person_required(call)
    data = call.data
    departure = date_of(data.get("move_date"), label="Datum des Umzugs")
    destination = None
    goes_to = None
    if data.get("destination", "ch") == "ch" and isinstance(data.get("new_address"), dict):
        town = str(data["new_address"].get("town", ""))
        destination = destination_commune(data["new_address"])
        goes_to = (
            Municipality(destination.name, destination.bfs_number, destination.canton)
            if destination is not None
            else Municipality(town)
        )
    result = adapter_call(
        "resident_register.move_out",
        MoveOutRequest(
            **_person_event(commune, person),
            departure_date=departure,
            goes_to=goes_to,
            person_id=str(person.get("person_id") or ""),
        ),
        idempotency_key=call.idempotency_key,
    )
    case, output = _acknowledged(call, result, kind="moveout", what="Wegzug", commune=commune)
    if destination is not None and destination.pk != commune.pk:
        handover = _handover_open(
            case=case, commune=commune, destination=destination, person=person, departure=departure
        )
        output["handover"] = str(handover.pk)
        output["summary"] += f"; an die Zuzugsgemeinde {destination.name} übergeben"
        output["summary_en"] += f"; handed over to the arrival commune {destination.name}"
    return output


def _handover_open(
    *, case: Case, commune: Commune, destination: Commune, person: dict, departure: dt.date
) -> Handover:
    return handovers.handover_open(
        kind=HANDOVER_MOVE,
        to_commune=destination,
        case_id=case.pk,
        case_reference=case.reference,
        receiver=HANDOVER_RECEIVE,
        payload={
            "person": {
                k: person.get(k)
                for k in (
                    "vn",
                    "official_name",
                    "first_name",
                    "sex",
                    "date_of_birth",
                    "nationality",
                    "nationality_name",
                )
            },
            "arrival_date": departure.isoformat(),
            "address": case.data.get("new_address"),
            "comes_from": {"name": commune.name, "bfs_number": commune.bfs_number},
        },
    )


def _identity_complete(person: dict, *, what: str) -> None:
    """``PermanentStepError`` (``identity_incomplete``) unless ``person`` has what eCH-0044
    identification needs."""
    missing = [
        k
        for k in ("vn", "official_name", "first_name", "sex", "date_of_birth")
        if not person.get(k)
    ]
    if missing:
        raise PermanentStepError(
            f"Für {what} im Einwohnerregister fehlen Angaben: " + ", ".join(missing) + ".",
            code="identity_incomplete",
            details={"missing": missing},
        )


def move_in_request(
    *, commune: Commune, person: dict, arrival: dt.date, address: Address, comes_from
) -> MoveInRequest:
    _identity_complete(person, what="die Anmeldung")
    return MoveInRequest(
        **_person_event(commune, person),
        nationality=str(person.get("nationality") or "CH"),
        nationality_name=str(person.get("nationality_name") or "Schweiz"),
        arrival_date=arrival,
        address=address,
        comes_from=comes_from,
    )


@register("resident_register.move_in")
def move_in(call: StepCall) -> dict:
    """Report an arrival (``umzug-zuzug``) to this commune's register."""
    commune = commune_required()
    data, applicant = call.data, call.applicant
    known = person_from(call) or {}
    person = {
        # Identity from the register's answer or the verified login, never from the form.
        "vn": known.get("vn") or applicant.get("ahv_number"),
        "official_name": known.get("official_name") or applicant.get("last_name"),
        "first_name": known.get("first_name") or applicant.get("first_name"),
        "sex": known.get("sex") or data.get("sex") or applicant.get("sex"),
        "date_of_birth": known.get("date_of_birth") or applicant.get("date_of_birth"),
        "nationality": known.get("nationality") or ("CH" if data.get("swiss", True) else ""),
        "nationality_name": known.get("nationality_name")
        or ("Schweiz" if data.get("swiss", True) else ""),
    }
    previous = data.get("previous_address")
    origin = (
        handovers.commune_for_town(town=str(previous.get("town", "")))
        if isinstance(previous, dict)
        else None
    )
    comes_from = (
        Municipality(origin.name, origin.bfs_number, origin.canton)
        if origin is not None
        else (
            Municipality(str(previous["town"]))
            if isinstance(previous, dict) and previous.get("town")
            else None
        )
    )
    result = adapter_call(
        "resident_register.move_in",
        move_in_request(
            commune=commune,
            person=person,
            arrival=date_of(data.get("move_date"), label="Datum des Umzugs"),
            address=address_of(data.get("new_address"), label="Neue Adresse"),
            comes_from=comes_from,
        ),
        idempotency_key=call.idempotency_key,
    )
    return _acknowledged(call, result, kind="movein", what="Zuzug", commune=commune)[1]


@register("resident_register.address_change")
def address_change(call: StepCall) -> dict:
    """Report a move within the commune (``umzug-innerhalb``, eCH-0020 move) to this commune's
    register for the person an earlier step identified."""
    commune = commune_required()
    person = person_required(call)
    _identity_complete(person, what="die Adressänderung")
    data = call.data
    result = adapter_call(
        "resident_register.address_change",
        AddressChangeRequest(
            **_person_event(commune, person),
            moving_date=date_of(data.get("move_date"), label="Datum des Umzugs"),
            address=address_of(data.get("new_address"), label="Neue Adresse"),
            person_id=str(person.get("person_id") or ""),
        ),
        idempotency_key=call.idempotency_key,
    )
    return _acknowledged(call, result, kind="move", what="Adressänderung", commune=commune)[1]
