"""Dog registration with the dog register (the dog tax is the service's QR-bill step)."""

from __future__ import annotations

from integrations.adapters.dog_register.data import DogOwner, DogRegistrationRequest

from ..handlers import StepCall, register
from .common import adapter_call, commune_required, date_of, person_required, plain


@register("dog_register.register")
def dog_register(call: StepCall) -> dict:
    """Register the dog of the case with its owner (the person the register identified)."""
    commune = commune_required()
    person = person_required(call)
    address = person.get("address") or {}
    data = call.data
    registration = adapter_call(
        "dog_register.register",
        DogRegistrationRequest(
            chip_number=str(data.get("chip_number") or ""),
            dog_name=str(data.get("dog_name") or ""),
            breed=str(data.get("breed") or ""),
            sex=str(data.get("sex") or ""),
            date_of_birth=date_of(data.get("birth_date"), label="Geburtsdatum des Hundes"),
            colour=str(data.get("colour") or ""),
            owner=DogOwner(
                vn=person["vn"],
                official_name=person["official_name"],
                first_name=person["first_name"],
                date_of_birth=date_of(person["date_of_birth"], label="Geburtsdatum"),
                bfs_number=commune.bfs_number,
                street=str(address.get("street", "")),
                house_number=str(address.get("house_number", "")),
                postcode=str(address.get("postcode", "")),
                town=str(address.get("town", "")),
            ),
        ),
        idempotency_key=call.idempotency_key,
    )
    return {
        **plain(registration),
        "summary": (
            f"im Hunderegister erfasst (Registrierung {registration.registration_id}, "
            f"Meldung {registration.message_id})"
        ),
        "summary_en": (
            f"entered in the dog register (registration {registration.registration_id}, "
            f"message {registration.message_id})"
        ),
    }
