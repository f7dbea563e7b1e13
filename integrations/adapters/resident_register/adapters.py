"""Adapters for the resident register (HTTP + JSON identification, eCH-0020 XML events)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, time
from typing import Any

import httpx

from integrations.adapters.resident_register.data import (
    PERSON_ATTRIBUTES,
    Address,
    AddressChangeRequest,
    IdentifyRequest,
    MoveInRequest,
    MoveOutRequest,
    MoveResult,
    Person,
    PersonEvent,
    ResidenceRequest,
)
from integrations.base import HttpAdapter, PermanentError, TransientError
from integrations.ech import messages, schemas
from integrations.ech.ahv import ahv_is_valid, ahv_normalize
from integrations.ech.schemas import SchemaValidationError
from integrations.registry import register

NOT_FOUND = "Person im Einwohnerregister nicht gefunden"
# eCH-0058 participantIdType
PARTICIPANT_ID = re.compile(r"T?[1-9]-[0-9A-Z]+-[0-9]+|T?0-sedex-0")


class ResidentRegisterAdapter(HttpAdapter):
    config_name = "resident_register"
    required_settings = ("url", "api_key", "sender_id")
    probe_path = "/communes/{bfs}/persons/verbindungstest"

    @classmethod
    def check_configuration(cls, config) -> list[str]:
        problems = super().check_configuration(config)
        sender = str(config.get("sender_id") or "")
        if sender and not PARTICIPANT_ID.fullmatch(sender):
            problems.append(
                f"«sender_id» ist keine eCH-0058-Teilnehmer-ID (z. B. 3-LU-1): {sender!r}."
            )
        return problems


def _parse_person(data: dict[str, Any], attributes: tuple[str, ...] = ()) -> Person:
    """Read the register's person JSON; ``TransientError`` if it is not one. With
    ``attributes``, only those (and the identifying ones) are read; the rest stays empty."""
    wanted = set(attributes or PERSON_ATTRIBUTES)
    try:
        address = data["address"] if "address" in wanted else None
        return Person(
            person_id=str(data["person_id"]),
            bfs_number=int(data["bfs_number"]),
            vn=str(data["vn"]),
            official_name=str(data["official_name"]),
            first_name=str(data["first_name"]),
            sex=str(data["sex"]) if "sex" in wanted else "",
            date_of_birth=date.fromisoformat(data["date_of_birth"]),
            nationality=str(data.get("nationality") or "") if "nationality" in wanted else "",
            nationality_name=(
                str(data.get("nationality_name") or "") if "nationality_name" in wanted else ""
            ),
            address=None if address is None else _parse_address(address),
            moving_in_date=(
                date.fromisoformat(data["moving_in_date"])
                if "moving_in_date" in wanted and data.get("moving_in_date")
                else None
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TransientError(
            "Das Einwohnerregister hat eine unvollständige Antwort geschickt.",
            code="malformed_response",
            details={"error": f"{type(exc).__name__}: {exc}"},
        ) from exc


def _parse_address(address: dict[str, Any]) -> Address:
    return Address(
        street=str(address["street"]),
        house_number=str(address.get("house_number") or ""),
        postcode=str(address["postcode"]),
        town=str(address["town"]),
    )


def _check_attributes(attributes: tuple[str, ...]) -> list[str]:
    """The requested attribute names as sent; unknown names → ``PermanentError`` (nothing is
    sent)."""
    unknown = sorted(set(attributes) - set(PERSON_ATTRIBUTES))
    if unknown:
        raise PermanentError(
            "Unbekannte Merkmale für die Abfrage im Einwohnerregister: " + ", ".join(unknown) + ".",
            code="unknown_attribute",
            details={"unknown": unknown},
        )
    return list(dict.fromkeys(attributes))


def _check_vn(vn: str) -> str:
    digits = ahv_normalize(vn)
    if not ahv_is_valid(digits):
        raise PermanentError("Die AHV-Nummer ist ungültig.", code="invalid_vn")
    return digits


@register("resident_register.identify")
class IdentifyAdapter(ResidentRegisterAdapter):
    """Identify a resident by AHV number, date of birth and name (eCH-0044) → ``Person``.

    Not found (or the name/date of birth do not match) → ``PermanentError`` code
    ``person_not_found``.
    """

    def call(self, request: IdentifyRequest, *, idempotency_key: str) -> Person:
        vn = _check_vn(request.vn)
        attributes = _check_attributes(request.attributes)
        body: dict[str, Any] = {
            "vn": vn,
            "date_of_birth": request.date_of_birth.isoformat(),
            "official_name": request.official_name,
            "first_name": request.first_name,
        }
        if attributes:  # the attributes wanted in the answer (without: the whole person)
            body["attributes"] = attributes
        response = self.request(
            "POST",
            f"/communes/{request.bfs_number}/persons/identify",
            idempotency_key=idempotency_key,
            json=body,
        )
        return _person_answer(
            response, bfs_number=request.bfs_number, attributes=request.attributes
        )


def _person_answer(
    response: httpx.Response, *, bfs_number: int, attributes: tuple[str, ...] = ()
) -> Person:
    data = HttpAdapter.json_body(response)
    if response.status_code == 404 and data.get("error") == "person_not_found":
        raise PermanentError(NOT_FOUND, code="person_not_found", details={"bfs": bfs_number})
    if response.status_code != 200:
        raise PermanentError(
            f"Das Einwohnerregister hat die Anfrage abgelehnt: {data.get('message', '')}",
            code=str(data.get("error") or f"http_{response.status_code}"),
            details={"status": response.status_code, "bfs": bfs_number},
        )
    return _parse_person(data, attributes)


@register("resident_register.residence")
class ResidenceAdapter(ResidentRegisterAdapter):
    """Current residence data of a known person (the register's ``person_id``) → ``Person``.

    Also answers for a person who moved away (``Person`` as last registered); unknown id →
    ``PermanentError`` ``person_not_found``.
    """

    def call(self, request: ResidenceRequest, *, idempotency_key: str) -> Person:
        attributes = _check_attributes(request.attributes)
        if not request.person_id.isalnum():
            raise PermanentError(NOT_FOUND, code="person_not_found")
        query = f"?attributes={','.join(attributes)}" if attributes else ""
        response = self.request(
            "GET",
            f"/communes/{request.bfs_number}/persons/{request.person_id}{query}",
            idempotency_key=idempotency_key,
        )
        return _person_answer(
            response, bfs_number=request.bfs_number, attributes=request.attributes
        )


class _EventAdapter(ResidentRegisterAdapter):
    """Send one eCH-0020 delivery and read the eCH-0058 acknowledgement."""

    def warm_up(self) -> None:
        schemas.preload()

    def header(self, bfs_number: int, idempotency_key: str, event_date: date) -> messages.Header:
        # A retry must send the very same bytes (same idempotency key, same body): the message id
        # derives from the key and the event date is the business date, not the sending time.
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        return messages.Header(
            sender_id=self.config["sender_id"],
            recipient_id=f"1-{bfs_number}-1",
            message_id=f"EP-{digest}",
            event_date=datetime.combine(event_date, time(), tzinfo=UTC),
        )

    def send(self, bfs_number: int, xml: bytes, *, idempotency_key: str) -> MoveResult:
        response = self.request(
            "POST",
            f"/communes/{bfs_number}/events",
            idempotency_key=idempotency_key,
            content=xml,
            content_type="application/xml",
        )
        return self.read_report(response, xml)

    @staticmethod
    def read_report(response: httpx.Response, xml: bytes) -> MoveResult:
        """Positive report → ``MoveResult``; negative → ``PermanentError`` (register's code);
        anything else → ``TransientError`` (malformed answer)."""
        try:
            report = messages.parse_report(response.content)
        except ValueError as exc:
            if 400 <= response.status_code < 500:
                raise PermanentError(
                    f"Das Einwohnerregister hat die Meldung abgelehnt (HTTP {response.status_code}).",
                    code=f"http_{response.status_code}",
                    details={"body": response.text[:500]},
                ) from exc
            raise TransientError(
                "Das Einwohnerregister hat eine unlesbare Quittung geschickt.",
                code="malformed_response",
                details={"status": response.status_code, "error": str(exc)[:300]},
            ) from exc
        if not report.positive:
            raise PermanentError(
                f"Negative Quittung des Einwohnerregisters: {report.text or report.code}",
                code=report.code or "negative_report",
                details={
                    "message_id": report.message_id,
                    "reference_message_id": report.reference_message_id,
                },
            )
        return MoveResult(
            message_id=report.message_id,
            reference_message_id=report.reference_message_id,
            person_id=report.data.get("personId", ""),
            request_xml=xml,
        )

    @staticmethod
    def build(builder, header: messages.Header, event) -> bytes:
        try:
            return builder(header, event)
        except SchemaValidationError as exc:
            raise PermanentError(
                "Die Meldung entspricht nicht dem eCH-0020-Schema.",
                code="invalid_message",
                details={"errors": exc.errors[:5]},
            ) from exc


def _identification(req: PersonEvent, person_id: str = "") -> messages.PersonIdentification:
    return messages.PersonIdentification(
        official_name=req.official_name,
        first_name=req.first_name,
        sex=req.sex,
        date_of_birth=req.date_of_birth,
        vn=_check_vn(req.vn),
        local_person_id=person_id,
    )


def _reporting(req: PersonEvent) -> messages.Municipality:
    """The commune whose register the event is reported to (a Luzern commune)."""
    return messages.Municipality(req.commune_name, req.bfs_number, "LU")


def _swiss_address(a: Address) -> messages.SwissAddress:
    return messages.SwissAddress(a.street, a.house_number, a.postcode, a.town)


def _municipality(m) -> messages.Municipality | None:
    return None if m is None else messages.Municipality(m.name, m.bfs_number, m.canton)


@register("resident_register.move_in")
class MoveInAdapter(_EventAdapter):
    """Report an arrival (eCH-0020 moveIn, XSD-validated before sending) → ``MoveResult``."""

    def call(self, request: MoveInRequest, *, idempotency_key: str) -> MoveResult:
        event = messages.MoveIn(
            person=_identification(request),
            reporting_municipality=_reporting(request),
            arrival_date=request.arrival_date,
            address=_swiss_address(request.address),
            nationality=request.nationality,
            nationality_name=request.nationality_name,
            comes_from=_municipality(request.comes_from),
            marital_status=request.marital_status,
            place_of_origin=request.place_of_origin,
            place_of_origin_canton=request.place_of_origin_canton,
            residence_permit=request.residence_permit,
        )
        header = self.header(request.bfs_number, idempotency_key, request.arrival_date)
        xml = self.build(messages.build_move_in, header, event)
        return self.send(request.bfs_number, xml, idempotency_key=idempotency_key)


@register("resident_register.move_out")
class MoveOutAdapter(_EventAdapter):
    """Report a departure (eCH-0020 moveOut, XSD-validated before sending) → ``MoveResult``."""

    def call(self, request: MoveOutRequest, *, idempotency_key: str) -> MoveResult:
        event = messages.MoveOut(
            person=_identification(request, request.person_id),
            reporting_municipality=_reporting(request),
            departure_date=request.departure_date,
            goes_to=_municipality(request.goes_to),
        )
        header = self.header(request.bfs_number, idempotency_key, request.departure_date)
        xml = self.build(messages.build_move_out, header, event)
        return self.send(request.bfs_number, xml, idempotency_key=idempotency_key)


@register("resident_register.address_change")
class AddressChangeAdapter(_EventAdapter):
    """Report a move within the commune (eCH-0020 move: the new dwelling address,
    XSD-validated before sending) → ``MoveResult``. Unknown person → ``PermanentError``
    ``person_not_found``; registered but moved away → ``not_resident``."""

    def call(self, request: AddressChangeRequest, *, idempotency_key: str) -> MoveResult:
        event = messages.Move(
            person=_identification(request, request.person_id),
            reporting_municipality=_reporting(request),
            moving_date=request.moving_date,
            address=_swiss_address(request.address),
        )
        header = self.header(request.bfs_number, idempotency_key, request.moving_date)
        xml = self.build(messages.build_move, header, event)
        return self.send(request.bfs_number, xml, idempotency_key=idempotency_key)
