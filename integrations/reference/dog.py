"""The reference dog register (AMICUS-like): dogs by microchip number and their owners.

HTTP API (``Authorization: Bearer <api key>``, JSON):

- ``POST /dogs`` ``{"chip_number", "owner": {"vn", "official_name", "first_name",
  "date_of_birth", "bfs_number", "street", "house_number", "postcode", "town"},
  "dog": {"name", "breed", "sex", "date_of_birth", "colour"}}`` →
  201 ``{"registration_id", "message_id", "chip_number", "registered_at", "owner_vn"}``;
  the same chip for the same owner answers 200 with the existing registration (no second
  entry); 409 ``chip_registered_to_other_owner``; 422 ``invalid_chip`` / ``invalid_request``.
- ``GET /dogs/<chip_number>`` → 200 registration or 404 ``dog_not_found``.

Chip numbers: 15 digits (ISO 11784); the first three are the country code (756 = Switzerland)
or a manufacturer code (900–998).
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime

from integrations.ech.ahv import ahv_is_valid, ahv_normalize
from integrations.reference.common import App, Request, Response, error, json_response

CHIP = re.compile(r"^\d{15}$")


def chip_is_valid(chip: str) -> bool:
    return bool(CHIP.match(chip)) and (chip.startswith("756") or 900 <= int(chip[:3]) <= 998)


def create_app(*, api_key: str, seed: str = "") -> App:
    app = App(
        api_key=api_key,
        malformed_body=b'{"registration_id": "AMI-',
        malformed_type="application/json",
    )
    dogs: dict[str, dict] = {}
    ids = itertools.count(1)
    app.dogs = dogs

    @app.route("POST", r"/dogs")
    def register(request: Request) -> Response:
        try:
            data = request.json()
            chip = str(data["chip_number"]).replace(" ", "")
            owner, dog = dict(data["owner"]), dict(data["dog"])
            owner_vn = ahv_normalize(str(owner["vn"]))
            str(owner["official_name"]), str(dog["name"])
        except (KeyError, ValueError, TypeError) as exc:
            return error(422, "invalid_request", f"Ungültige Anfrage: {exc}")
        if not chip_is_valid(chip):
            return error(422, "invalid_chip", "Die Chipnummer ist ungültig.")
        if not ahv_is_valid(owner_vn):
            return error(422, "invalid_vn", "Die AHV-Nummer der Halterin/des Halters ist ungültig.")
        existing = dogs.get(chip)
        if existing is not None:
            if existing["owner_vn"] != owner_vn:
                return error(
                    409,
                    "chip_registered_to_other_owner",
                    "Dieser Hund ist bereits auf eine andere Halterin/einen anderen Halter registriert.",
                )
            return json_response(200, existing)
        number = next(ids)
        entry = {
            "registration_id": f"AMI-{number:07d}",
            "message_id": f"AMICUS-{datetime.now(UTC):%Y%m%d}-{number:07d}",
            "chip_number": chip,
            "registered_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "owner_vn": owner_vn,
            "owner": owner,
            "dog": dog,
        }
        dogs[chip] = entry
        app.effect()
        return json_response(201, entry)

    @app.route("GET", r"/dogs/(?P<chip>\d{15})")
    def detail(request: Request, chip: str) -> Response:
        if chip not in dogs:
            return error(404, "dog_not_found", "Kein Hund mit dieser Chipnummer registriert.")
        return json_response(200, dogs[chip])

    return app
