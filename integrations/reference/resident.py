"""The reference resident register (Einwohnerregister) for every commune, by BFS number.

HTTP API (all under ``/communes/<bfs>/``, ``Authorization: Bearer <api key>``):

- ``POST persons/identify`` JSON ``{"vn", "date_of_birth", "official_name", "first_name"}``
  (eCH-0044 identification; names compared case-insensitively, ``first_name`` may be any one of
  the person's first names) and optionally ``"attributes": [...]`` → 200 person JSON, 404
  ``person_not_found``, 400 ``invalid_request`` / ``unknown_attribute``.
- ``GET persons/<person_id>[?attributes=a,b]`` → 200 person JSON (residence data) or 404.

With ``attributes`` (names of ``PERSON_ATTRIBUTES``) the person JSON holds only those and the
identifying ones (``person_id``, ``bfs_number``, ``vn``, names, ``date_of_birth``); without, the
whole person.
- ``POST events`` body: an eCH-0020 v1 ``delivery`` (``moveIn``, ``moveOut`` or ``move``, a
  new address within the commune) with an eCH-0058 v1 header → an eCH-0058 v3
  ``eventReport``: 200 ``positiveReport`` (data items ``personId`` and, for moveOut,
  ``departureDate``, for move, ``movingDate``) or 422 ``negativeReport`` (codes
  ``invalid_message`` (400), ``unsupported_event``, ``already_resident``, ``person_not_found``,
  ``not_resident``: the person is registered here but has moved away).
  The report's ``messageId`` is the register's id for the event; ``referenceMessageId`` echoes
  the delivery's ``declarationLocalReference``.

Person JSON: the keys of ``integrations.reference.demo_person`` plus ``status``
(``resident``/``moved_out``), after a move out ``departure_date``, after a move within the
commune ``address_since`` (the moving date).
"""

from __future__ import annotations

import itertools
from collections import deque
from datetime import date
from urllib.parse import parse_qs

from integrations.ech import messages, schemas
from integrations.ech.ahv import ahv_is_valid, ahv_normalize
from integrations.ech.messages import REGISTER_ID_CATEGORY, Report
from integrations.reference.common import App, Request, Response, error, json_response
from integrations.reference.population import DEFAULT_SEED, generate_commune

SENDER_PREFIX = "T1"  # sedex-like participant id of the register: T1-<bfs>-1 (test)
NS = {"d": schemas.NS_0020, "p": schemas.NS_0044, "h": schemas.NS_0058_V1,
      "a": schemas.NS_0010, "n": schemas.NS_0011, "c": schemas.NS_0008, "m": schemas.NS_0007}  # fmt: skip


class ResidentRegister:
    """In-memory state: each commune's residents, generated on first access."""

    def __init__(self, seed: str = DEFAULT_SEED):
        self.seed = seed
        self.communes: dict[int, dict[str, dict]] = {}
        self._ids = itertools.count(1)
        self._new_person_ids = itertools.count(900_000)
        # The last reads (for tests, in ``GET /_control``): path, attributes asked (None: all)
        # and the keys answered.
        self.reads: deque[dict] = deque(maxlen=50)

    def read_answer(self, path: str, person: dict, attributes: list[str] | None) -> Response:
        answer = _public(person, attributes)
        self.reads.append({"path": path, "asked": attributes, "answered": sorted(answer)})
        return json_response(200, answer)

    def residents(self, bfs: int) -> dict[str, dict]:
        if bfs not in self.communes:
            self.communes[bfs] = {
                p["person_id"]: {**p, "status": "resident", "other_ids": []}
                for p in generate_commune(bfs, seed=self.seed)
            }
        return self.communes[bfs]

    def next_message_id(self, bfs: int) -> str:
        return f"EWR-{bfs}-{next(self._ids):08d}"

    def find(self, bfs: int, ident: dict) -> dict | None:
        """A current resident matching an eCH-0044 identification (vn, local id or name+DOB)."""
        people = [p for p in self.residents(bfs).values() if p["status"] == "resident"]
        if ident.get("vn"):
            return next((p for p in people if p["vn"] == ident["vn"]), None)
        local = (ident.get("id_category"), ident.get("person_id"))
        if local[0] == REGISTER_ID_CATEGORY and local[1] in self.residents(bfs):
            person = self.residents(bfs)[local[1]]
            return person if person["status"] == "resident" else None
        for p in people:
            if list(local) in p["other_ids"]:
                return p
        return _by_name(people, ident)

    def find_any(self, bfs: int, ident: dict) -> dict | None:
        """Like ``find``, but also someone who has moved away (``status`` ``moved_out``)."""
        people = list(self.residents(bfs).values())
        if ident.get("vn"):
            return next((p for p in people if p["vn"] == ident["vn"]), None)
        local = ident.get("person_id", "")
        if ident.get("id_category") == REGISTER_ID_CATEGORY and local in self.residents(bfs):
            return self.residents(bfs)[local]
        return _by_name(people, ident)


def _by_name(people: list[dict], ident: dict) -> dict | None:
    return next(
        (
            p
            for p in people
            if _same(p["official_name"], ident["official_name"])
            and _first_name_matches(p["first_name"], ident["first_name"])
            and p["date_of_birth"] == ident["date_of_birth"]
        ),
        None,
    )


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _first_name_matches(registered: str, given: str) -> bool:
    names = {n.casefold() for n in registered.split()}
    return given.strip().casefold() in names or _same(registered, given)


# Identifying attributes (always answered) and the attributes a read may ask for.
IDENTIFYING = ("person_id", "bfs_number", "vn", "official_name", "first_name", "date_of_birth")
PERSON_ATTRIBUTES = (*IDENTIFYING, "sex", "nationality", "nationality_name", "address",
                     "moving_in_date")  # fmt: skip


def _public(person: dict, attributes: list[str] | None = None) -> dict:
    """The person as answered: all of it, or the identifying and the requested attributes."""
    if attributes is None:
        return {k: v for k, v in person.items() if k != "other_ids"}
    wanted = {*IDENTIFYING, *attributes}
    return {k: v for k, v in person.items() if k in wanted}


def requested_attributes(value: object) -> list[str] | None:
    """The ``attributes`` of a read (None: not given, the whole person); ``ValueError`` with a
    German text for anything but a list of known names."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("«attributes» muss eine Liste von Merkmalnamen sein.")
    unknown = sorted(set(value) - set(PERSON_ATTRIBUTES))
    if unknown:
        raise ValueError("Unbekannte Merkmale: " + ", ".join(unknown) + ".")
    return value


def _query_attributes(query: str) -> list[str] | None:
    values = parse_qs(query).get("attributes")
    if not values:
        return None
    return requested_attributes([n for v in values for n in v.split(",") if n])


def _text(el, path: str) -> str:
    return (el.findtext(path, "", NS) or "").strip()


def read_identification(el) -> dict:
    return {
        "vn": _text(el, "p:vn"),
        "id_category": _text(el, "p:localPersonId/p:personIdCategory"),
        "person_id": _text(el, "p:localPersonId/p:personId"),
        "official_name": _text(el, "p:officialName"),
        "first_name": _text(el, "p:firstName"),
        "sex": _text(el, "p:sex"),
        "date_of_birth": _text(el, "p:dateOfBirth/p:yearMonthDay"),
    }


class _Refused(Exception):
    """A negative acknowledgement of an event (eCH-0058 report with ``code`` and ``text``)."""

    def __init__(self, code: str, text: str):
        super().__init__(text)
        self.code, self.text = code, text


NOT_FOUND = ("person_not_found", "Person im Einwohnerregister nicht gefunden.")


def _apply_move_in(register: ResidentRegister, commune: int, move_in) -> dict:
    """eCH-0020 moveIn: a new resident; refused for a person already resident."""
    ident = read_identification(move_in.find("d:moveInPerson/d:personIdentification", NS))
    if register.find(commune, ident) is not None:
        raise _Refused("already_resident", "Person ist in der Gemeinde bereits gemeldet.")
    person = _person_from_move_in(register, commune, move_in, ident)
    register.residents(commune)[person["person_id"]] = person
    return {"personId": person["person_id"]}


def _apply_move_out(register: ResidentRegister, commune: int, move_out) -> dict:
    """eCH-0020 moveOut: the resident is marked as moved out."""
    ident = read_identification(move_out.find("d:moveOutPerson/d:personIdentification", NS))
    person = register.find(commune, ident)
    if person is None:
        raise _Refused(*NOT_FOUND)
    departure = _text(move_out, "d:moveOutReportingDestination/d:departureDate")
    person.update(status="moved_out", departure_date=departure)
    return {"personId": person["person_id"], "departureDate": departure}


def _apply_move(register: ResidentRegister, commune: int, move) -> dict:
    """eCH-0020 move (within the commune): the resident's new address."""
    ident = read_identification(move.find("d:movePerson/d:personIdentification", NS))
    person = register.find(commune, ident)
    if person is None:
        if register.find_any(commune, ident) is not None:
            raise _Refused("not_resident", "Person ist in der Gemeinde nicht mehr gemeldet.")
        raise _Refused(*NOT_FOUND)
    dwelling = move.find("d:moveReportingAddress/d:dwellingAddress", NS)
    address = dwelling.find("d:address", NS)
    moving_date = _text(dwelling, "d:movingDate")
    person["address"] = {
        "street": _text(address, "a:street"),
        "house_number": _text(address, "a:houseNumber"),
        "postcode": _text(address, "a:swissZipCode"),
        "town": _text(address, "a:town"),
    }
    person["address_since"] = moving_date
    return {"personId": person["person_id"], "movingDate": moving_date}


def _identify(register: ResidentRegister, bfs: int, request: Request) -> Response:
    """eCH-0044 identification: the person with this AHV number, date of birth and names."""
    try:
        data = request.json()
        vn = ahv_normalize(str(data["vn"]))
        dob = date.fromisoformat(str(data["date_of_birth"])).isoformat()
        official_name, first_name = str(data["official_name"]), str(data["first_name"])
    except (KeyError, ValueError, TypeError) as exc:
        return error(400, "invalid_request", f"Ungültige Anfrage: {exc}")
    try:
        attributes = requested_attributes(data.get("attributes"))
    except ValueError as exc:
        return error(400, "unknown_attribute", str(exc))
    if not ahv_is_valid(vn):
        return error(400, "invalid_vn", "Die AHV-Nummer ist ungültig.")
    person = register.find(bfs, {"vn": vn})
    if (
        person is None
        or person["date_of_birth"] != dob
        or not _same(person["official_name"], official_name)
        or not _first_name_matches(person["first_name"], first_name)
    ):
        return error(404, "person_not_found", "Person im Einwohnerregister nicht gefunden.")
    return register.read_answer(request.path, person, attributes)


def _person_detail(
    register: ResidentRegister, bfs: int, person_id: str, request: Request
) -> Response:
    """Residence data of a person by the register's id (``?attributes=a,b``: only those)."""
    try:
        attributes = _query_attributes(request.query)
    except ValueError as exc:
        return error(400, "unknown_attribute", str(exc))
    person = register.residents(bfs).get(person_id)
    if person is None:
        return error(404, "person_not_found", "Person im Einwohnerregister nicht gefunden.")
    return register.read_answer(request.path, person, attributes)


# The events the register processes, by the delivery's element.
EVENTS = (("d:moveIn", _apply_move_in), ("d:moveOut", _apply_move_out), ("d:move", _apply_move))


def create_app(*, api_key: str, seed: str = DEFAULT_SEED) -> App:
    schemas.preload()
    app = App(
        api_key=api_key,
        malformed_body=b'<?xml version="1.0"?><eventReport><report><positiv',
        malformed_type="application/xml",
    )
    register = ResidentRegister(seed)
    app.register = register  # for in-process tests
    app.control_state = lambda: {"reads": list(register.reads)}

    @app.route("POST", r"/communes/(?P<bfs>\d{1,4})/persons/identify")
    def identify(request: Request, bfs: str) -> Response:
        return _identify(register, int(bfs), request)

    @app.route("GET", r"/communes/(?P<bfs>\d{1,4})/persons/(?P<person_id>[0-9A-Za-z-]{1,20})")
    def person_detail(request: Request, bfs: str, person_id: str) -> Response:
        return _person_detail(register, int(bfs), person_id, request)

    @app.route("POST", r"/communes/(?P<bfs>\d{1,4})/events")
    def events(request: Request, bfs: str) -> Response:
        commune = int(bfs)
        sender = f"{SENDER_PREFIX}-{commune}-1"
        message_id = register.next_message_id(commune)

        def answer(status: int, report: Report, recipient: str | None = None) -> Response:
            body = messages.build_report(report, sender_id=sender, recipient_id=recipient)
            return Response(status, body, "application/xml")

        try:
            root = messages.parse_xml(request.body)
            schemas.validate_delivery(root)
        except (messages.etree.XMLSyntaxError, schemas.SchemaValidationError, ValueError) as exc:
            reason = getattr(exc, "errors", [str(exc)])
            text = "Meldung entspricht nicht eCH-0020: " + "; ".join(reason[:3])
            return answer(400, Report(False, message_id, "", "invalid_message", text[:1000]))
        reference = _text(root, "d:deliveryHeader/h:declarationLocalReference")
        recipient = _text(root, "d:deliveryHeader/h:senderId") or None

        def negative(code: str, text: str) -> Response:
            return answer(422, Report(False, message_id, reference, code, text), recipient)

        found = [(apply, e) for tag, apply in EVENTS if (e := root.find(tag, NS)) is not None]
        if not found:
            return negative("unsupported_event", "Nur moveIn, moveOut und move werden verarbeitet.")
        apply, event = found[0]
        try:
            data = apply(register, commune, event)
        except _Refused as refused:
            return negative(refused.code, refused.text)
        app.effect()
        return answer(
            200, Report(True, message_id, reference, "accepted", "Verarbeitet.", data), recipient
        )

    return app


def _person_from_move_in(register: ResidentRegister, bfs: int, move_in, ident: dict) -> dict:
    residence = move_in.find("d:hasMainResidence/d:mainResidence", NS)
    if residence is None:  # secondary/other residence: same fields, other wrapper
        residence = move_in.find(".//d:dwellingAddress/..", NS)
    address = residence.find("d:dwellingAddress/n:address", NS)
    street = _text(address, "a:street")
    house_number = _text(address, "a:houseNumber")
    country = move_in.find("d:moveInPerson/d:nationality/n:country", NS)
    other_ids = []
    if ident["id_category"] and ident["id_category"] != REGISTER_ID_CATEGORY:
        other_ids.append([ident["id_category"], ident["person_id"]])
    return {
        "person_id": f"{bfs:04d}{next(register._new_person_ids):06d}",
        "bfs_number": bfs,
        "vn": ident["vn"],
        "official_name": ident["official_name"],
        "first_name": ident["first_name"],
        "sex": ident["sex"],
        "date_of_birth": ident["date_of_birth"],
        "nationality": _text(country, "c:countryIdISO2") if country is not None else "",
        "nationality_name": _text(country, "c:countryNameShort") if country is not None else "",
        "address": {
            "street": street,
            "house_number": house_number,
            "postcode": _text(address, "a:swissZipCode"),
            "town": _text(address, "a:town"),
        },
        "moving_in_date": _text(residence, "d:arrivalDate"),
        "status": "resident",
        "other_ids": other_ids,
    }
