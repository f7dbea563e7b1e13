"""Register a dog with the dog register (HTTP + JSON)."""

from __future__ import annotations

import re
from datetime import datetime

from integrations.base import HttpAdapter, PermanentError, TransientError
from integrations.ech.ahv import ahv_is_valid, ahv_normalize
from integrations.registry import register

from .data import DogRegistration, DogRegistrationRequest

CHIP = re.compile(r"^\d{15}$")


def chip_check(chip_number: str) -> str:
    """The normalised chip number, or ``PermanentError``: 15 digits starting with the country
    code 756 (Switzerland) or a manufacturer code 900–998."""
    chip = re.sub(r"\s", "", chip_number or "")
    if not CHIP.match(chip):
        raise PermanentError(
            "Die Chipnummer muss aus 15 Ziffern bestehen.",
            code="invalid_chip",
            details={"chip": chip},
        )
    if not (chip.startswith("756") or 900 <= int(chip[:3]) <= 998):
        raise PermanentError(
            "Die Chipnummer muss mit 756 (Schweiz) oder einem Herstellercode beginnen.",
            code="invalid_chip",
            details={"chip": chip},
        )
    return chip


@register("dog_register.register")
class DogRegisterAdapter(HttpAdapter):
    """Check and register a dog and its owner → ``DogRegistration``.

    The same chip again for the same owner returns the existing registration (no second entry);
    a chip registered to another owner → ``PermanentError`` ``chip_registered_to_other_owner``.
    """

    config_name = "dog_register"
    probe_path = "/dogs/000000000000000"  # no such chip: 404 with an accepted key

    def call(self, request: DogRegistrationRequest, *, idempotency_key: str) -> DogRegistration:
        chip = chip_check(request.chip_number)
        owner = request.owner
        vn = ahv_normalize(owner.vn)
        if not ahv_is_valid(vn):
            raise PermanentError(
                "Die AHV-Nummer der Halterin/des Halters ist ungültig.", code="invalid_vn"
            )
        response = self.request(
            "POST",
            "/dogs",
            idempotency_key=idempotency_key,
            json={
                "chip_number": chip,
                "owner": {
                    "vn": vn,
                    "official_name": owner.official_name,
                    "first_name": owner.first_name,
                    "date_of_birth": owner.date_of_birth.isoformat(),
                    "bfs_number": owner.bfs_number,
                    "street": owner.street,
                    "house_number": owner.house_number,
                    "postcode": owner.postcode,
                    "town": owner.town,
                },
                "dog": {
                    "name": request.dog_name,
                    "breed": request.breed,
                    "sex": request.sex,
                    "date_of_birth": request.date_of_birth.isoformat(),
                    "colour": request.colour,
                },
            },
        )
        data = self.json_body(response)
        if response.status_code >= 400:
            code = str(data.get("error") or f"http_{response.status_code}")
            message = str(data.get("message") or "Das Hunderegister hat die Anmeldung abgelehnt.")
            raise PermanentError(message, code=code, details={"status": response.status_code})
        try:
            return DogRegistration(
                registration_id=str(data["registration_id"]),
                message_id=str(data["message_id"]),
                chip_number=str(data["chip_number"]),
                registered_at=datetime.fromisoformat(data["registered_at"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TransientError(
                "Das Hunderegister hat eine unvollständige Antwort geschickt.",
                code="malformed_response",
                details={"error": f"{type(exc).__name__}: {exc}"},
            ) from exc
