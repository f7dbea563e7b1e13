"""Test-only step handlers for the harness service (loaded by the harness's worker processes).

The harness service mirrors the Wohnsitzbestätigung with one external effect more:
``machine.identify`` (resident register, eCH-0044 identification) → ``machine.register`` (dog
register: a registration is a counted effect) → ``machine.receipt`` (a generated document in
the case). Every call carries the step's idempotency key.
"""

from __future__ import annotations

from datetime import date

from cases import handlers
from cases.models import Case
from cases.services import document_generated_add
from integrations import registry
from integrations.adapters.dog_register.adapters import DogOwner, DogRegistrationRequest
from integrations.adapters.resident_register.data import IdentifyRequest

STEPS = [
    {"key": "identify", "kind": "automated", "adapter": "machine.identify"},
    {"key": "register", "kind": "automated", "adapter": "machine.register"},
    {"key": "receipt", "kind": "automated", "adapter": "machine.receipt"},
]
FORM = {
    "fields": [
        {"key": key, "type": "text", "required": True, "label": {"de": key}, "max_length": 100}
        for key in ("bfs", "vn", "official_name", "first_name", "date_of_birth", "chip")
    ]
}


@handlers.register("machine.identify")
def identify(call: handlers.StepCall) -> dict:
    data = call.data
    person = registry.get("resident_register.identify").call(
        IdentifyRequest(
            bfs_number=int(data["bfs"]),
            vn=data["vn"],
            date_of_birth=date.fromisoformat(data["date_of_birth"]),
            official_name=data["official_name"],
            first_name=data["first_name"],
        ),
        idempotency_key=call.idempotency_key,
    )
    return {
        "person_id": person.person_id,
        "bfs_number": person.bfs_number,
        "vn": person.vn,
        "official_name": person.official_name,
        "first_name": person.first_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "street": person.address.street,
        "house_number": person.address.house_number,
        "postcode": person.address.postcode,
        "town": person.address.town,
    }


@handlers.register("machine.register")
def register_dog(call: handlers.StepCall) -> dict:
    p = call.previous_outputs["identify"]
    registration = registry.get("dog_register.register").call(
        DogRegistrationRequest(
            chip_number=call.data["chip"],
            dog_name="Bello",
            breed="Mischling",
            sex="m",
            date_of_birth=date(2022, 5, 1),
            colour="braun",
            owner=DogOwner(
                vn=p["vn"],
                official_name=p["official_name"],
                first_name=p["first_name"],
                date_of_birth=date.fromisoformat(p["date_of_birth"]),
                bfs_number=p["bfs_number"],
                street=p["street"],
                house_number=p["house_number"],
                postcode=p["postcode"],
                town=p["town"],
            ),
        ),
        idempotency_key=call.idempotency_key,
    )
    return {"registration_id": registration.registration_id, "message_id": registration.message_id}


@handlers.register("machine.receipt")
def receipt(call: handlers.StepCall) -> dict:
    case = Case.objects.get(pk=call.case_id)
    registration = call.previous_outputs["register"]["registration_id"]
    document = document_generated_add(
        case=case,
        step_key=call.step_key,
        name=f"bestaetigung-{call.reference.replace('/', '-')}.txt",
        content=f"{call.reference}: {registration}\n".encode(),
        content_type="text/plain",
    )
    return {"document": str(document.pk)}
