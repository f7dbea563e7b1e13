"""Build and read eCH-0020 v1 moveIn/moveOut/move deliveries and eCH-0058 v3 event reports.

Deliveries carry an eCH-0058 v1 ``deliveryHeader`` (the version eCH-0020 v1 prescribes); the
sender's own message id goes in ``declarationLocalReference`` and comes back as the report's
``referenceMessageId``. Acknowledgements are eCH-0058 v3 ``eventReport``s whose
``positiveReport``/``negativeReport`` (``xs:anyType``) hold elements of ``REPORT_NS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from lxml import etree

from integrations.ech import schemas
from integrations.ech.schemas import (
    NS_0007,
    NS_0008,
    NS_0010,
    NS_0011,
    NS_0020,
    NS_0044,
    NS_0058_V1,
    NS_0058_V3,
)

REPORT_NS = "urn:einwohnerportal:register-report:1"
NSMAP_DELIVERY = {
    "eCH-0020": NS_0020,
    "eCH-0058": NS_0058_V1,
    "eCH-0044": NS_0044,
    "eCH-0011": NS_0011,
    "eCH-0010": NS_0010,
    "eCH-0008": NS_0008,
    "eCH-0007": NS_0007,
}
# Local person ids issued by the reference register use this eCH-0044 category.
REGISTER_ID_CATEGORY = "CH.EWR"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class Header:
    sender_id: str
    recipient_id: str
    message_id: str  # goes in declarationLocalReference
    event_date: datetime
    manufacturer: str = "Kanton Luzern"
    product: str = "Einwohnerportal"
    product_version: str = "1.0"


@dataclass(frozen=True)
class PersonIdentification:
    """eCH-0044 personIdentification."""

    official_name: str
    first_name: str
    sex: str  # "1" male, "2" female
    date_of_birth: date
    vn: str = ""  # 13 digits, optional
    local_person_id: str = ""
    local_person_id_category: str = REGISTER_ID_CATEGORY


@dataclass(frozen=True)
class SwissAddress:
    street: str
    house_number: str
    postcode: str
    town: str


@dataclass(frozen=True)
class Municipality:
    """eCH-0007 swissMunicipality (``bfs_number`` may be 0 when unknown)."""

    name: str
    bfs_number: int = 0
    canton: str = ""


@dataclass(frozen=True)
class MoveIn:
    person: PersonIdentification
    reporting_municipality: Municipality
    arrival_date: date
    address: SwissAddress
    nationality: str = "CH"  # ISO 3166 alpha-2
    nationality_name: str = "Schweiz"
    comes_from: Municipality | None = None  # None: unknown
    marital_status: str = "1"
    place_of_origin: str = ""  # Swiss citizens: Heimatort
    place_of_origin_canton: str = ""
    residence_permit: str = "03"  # foreigners only (eCH-0006), e.g. 03 = C


@dataclass(frozen=True)
class MoveOut:
    person: PersonIdentification
    reporting_municipality: Municipality
    departure_date: date
    goes_to: Municipality | None = None  # None: unknown


@dataclass(frozen=True)
class Move:
    """A move within the commune (eCH-0020 ``move``): the person's new dwelling address."""

    person: PersonIdentification
    reporting_municipality: Municipality
    moving_date: date
    address: SwissAddress


@dataclass(frozen=True)
class Report:
    """An eCH-0058 eventReport: the register's acknowledgement of one delivery."""

    positive: bool
    message_id: str
    reference_message_id: str
    code: str = ""
    text: str = ""
    data: dict[str, str] = field(default_factory=dict)


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _sub(parent, ns: str, tag: str, text: str | None = None):
    el = etree.SubElement(parent, _q(ns, tag))
    if text is not None:
        el.text = text
    return el


def _iso_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _header(root, header: Header) -> None:
    h = _sub(root, NS_0020, "deliveryHeader")
    _sub(h, NS_0058_V1, "senderId", header.sender_id)
    _sub(h, NS_0058_V1, "declarationLocalReference", header.message_id[:100])
    _sub(h, NS_0058_V1, "recipientId", header.recipient_id)
    app = _sub(h, NS_0058_V1, "sendingApplication")
    _sub(app, NS_0058_V1, "manufacturer", header.manufacturer)
    _sub(app, NS_0058_V1, "product", header.product)
    _sub(app, NS_0058_V1, "productVersion", header.product_version)
    _sub(h, NS_0058_V1, "eventDate", _iso_datetime(header.event_date))
    _sub(h, NS_0058_V1, "modificationDate", _iso_datetime(header.event_date))
    _sub(h, NS_0058_V1, "action", "1")  # 1 = new


def _person_identification(parent, person: PersonIdentification) -> None:
    pid = _sub(parent, NS_0020, "personIdentification")
    if person.vn:
        _sub(pid, NS_0044, "vn", person.vn)
    local = _sub(pid, NS_0044, "localPersonId")
    _sub(local, NS_0044, "personIdCategory", person.local_person_id_category)
    _sub(local, NS_0044, "personId", person.local_person_id or "0")
    _sub(pid, NS_0044, "officialName", person.official_name)
    _sub(pid, NS_0044, "firstName", person.first_name)
    _sub(pid, NS_0044, "sex", person.sex)
    dob = _sub(pid, NS_0044, "dateOfBirth")
    _sub(dob, NS_0044, "yearMonthDay", person.date_of_birth.isoformat())


def _municipality(parent, ns: str, tag: str, m: Municipality) -> None:
    el = _sub(parent, ns, tag)
    if m.bfs_number:
        _sub(el, NS_0007, "municipalityId", str(m.bfs_number))
    _sub(el, NS_0007, "municipalityName", m.name[:40])
    if m.canton:
        _sub(el, NS_0007, "cantonAbbreviation", m.canton)


def _destination(parent, tag: str, m: Municipality | None) -> None:
    el = _sub(parent, NS_0020, tag)
    if m is None:
        _sub(el, NS_0011, "unknown", "0")
    else:
        _municipality(el, NS_0011, "swissTown", m)


def _dwelling_address(parent, ns: str, value: SwissAddress, moving_date: date | None = None):
    """``dwellingAddress``: its children are in eCH-0011 for moveIn, in eCH-0020 for move."""
    dwelling = _sub(parent, NS_0020, "dwellingAddress")
    address = _sub(dwelling, ns, "address")
    _sub(address, NS_0010, "street", value.street)
    if value.house_number:
        _sub(address, NS_0010, "houseNumber", value.house_number)
    _sub(address, NS_0010, "town", value.town)
    _sub(address, NS_0010, "swissZipCode", value.postcode)
    _sub(address, NS_0010, "country", "CH")
    _sub(dwelling, ns, "typeOfHousehold", "1")
    if moving_date is not None:
        _sub(dwelling, ns, "movingDate", moving_date.isoformat())
    return dwelling


def _delivery() -> etree._Element:
    return etree.Element(_q(NS_0020, "delivery"), nsmap=NSMAP_DELIVERY)


def build_move_in(header: Header, event: MoveIn) -> bytes:
    """An eCH-0020 v1 moveIn delivery, validated against the XSDs (``SchemaValidationError``)."""
    root = _delivery()
    _header(root, header)
    move = _sub(root, NS_0020, "moveIn")
    person = _sub(move, NS_0020, "moveInPerson")
    _person_identification(person, event.person)
    birth = _sub(person, NS_0020, "placeOfBirth")
    _sub(birth, NS_0011, "unknown", "0")
    nat = _sub(person, NS_0020, "nationality")
    is_swiss = event.nationality.upper() == "CH"
    _sub(nat, NS_0011, "nationalityStatus", "2")  # 2 = nationality known
    country = _sub(nat, NS_0011, "country")
    _sub(country, NS_0008, "countryIdISO2", event.nationality.upper())
    _sub(country, NS_0008, "countryNameShort", event.nationality_name)
    marital = _sub(person, NS_0020, "maritalData")
    _sub(marital, NS_0011, "maritalStatus", event.marital_status)
    any_person = _sub(person, NS_0020, "anyPerson")
    if is_swiss:
        swiss = _sub(any_person, NS_0011, "swiss")
        origin = _sub(swiss, NS_0011, "placeOfOrigin")
        _sub(origin, NS_0011, "originName", event.place_of_origin or event.address.town)
        _sub(origin, NS_0011, "canton", event.place_of_origin_canton or "LU")
    else:
        foreigner = _sub(any_person, NS_0011, "foreigner")
        _sub(foreigner, NS_0011, "residencePermit", event.residence_permit)
    residence = _sub(_sub(move, NS_0020, "hasMainResidence"), NS_0020, "mainResidence")
    _municipality(residence, NS_0020, "reportingMunicipality", event.reporting_municipality)
    _sub(residence, NS_0020, "arrivalDate", event.arrival_date.isoformat())
    _destination(residence, "comesFrom", event.comes_from)
    _dwelling_address(residence, NS_0011, event.address)
    schemas.validate_delivery(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def build_move_out(header: Header, event: MoveOut) -> bytes:
    """An eCH-0020 v1 moveOut delivery, validated against the XSDs (``SchemaValidationError``)."""
    root = _delivery()
    _header(root, header)
    move = _sub(root, NS_0020, "moveOut")
    _person_identification(_sub(move, NS_0020, "moveOutPerson"), event.person)
    dest = _sub(move, NS_0020, "moveOutReportingDestination")
    _municipality(dest, NS_0020, "reportingMunicipality", event.reporting_municipality)
    _destination(dest, "goesTo", event.goes_to)
    _sub(dest, NS_0020, "departureDate", event.departure_date.isoformat())
    schemas.validate_delivery(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def build_move(header: Header, event: Move) -> bytes:
    """An eCH-0020 v1 move delivery (new address in the same commune), validated against the
    XSDs (``SchemaValidationError``)."""
    root = _delivery()
    _header(root, header)
    move = _sub(root, NS_0020, "move")
    _person_identification(_sub(move, NS_0020, "movePerson"), event.person)
    reporting = _sub(move, NS_0020, "moveReportingAddress")
    _municipality(reporting, NS_0020, "reportingMunicipality", event.reporting_municipality)
    _dwelling_address(reporting, NS_0020, event.address, event.moving_date)
    schemas.validate_delivery(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML without entities or network access (``etree.XMLSyntaxError``)."""
    return etree.fromstring(data, parser=_PARSER)


def build_report(
    report: Report,
    *,
    sender_id: str,
    recipient_id: str | None = None,
    message_type: int = 20,
    test_delivery: bool = True,
) -> bytes:
    """An eCH-0058 v3 eventReport, validated against its XSD."""
    root = etree.Element(
        _q(NS_0058_V3, "eventReport"), nsmap={"eCH-0058": NS_0058_V3, "r": REPORT_NS}
    )
    head = _sub(root, NS_0058_V3, "reportHeader")
    _sub(head, NS_0058_V3, "senderId", sender_id)
    if recipient_id:
        _sub(head, NS_0058_V3, "recipientId", recipient_id)
    _sub(head, NS_0058_V3, "messageId", report.message_id)
    if report.reference_message_id:
        _sub(head, NS_0058_V3, "referenceMessageId", report.reference_message_id)
    _sub(head, NS_0058_V3, "messageType", str(message_type))
    app = _sub(head, NS_0058_V3, "sendingApplication")
    _sub(app, NS_0058_V3, "manufacturer", "Einwohnerportal")
    _sub(app, NS_0058_V3, "product", "Referenz-Einwohnerregister")
    _sub(app, NS_0058_V3, "productVersion", "1.0")
    _sub(head, NS_0058_V3, "action", "8" if report.positive else "9")
    _sub(head, NS_0058_V3, "testDeliveryFlag", "true" if test_delivery else "false")
    body = _sub(
        _sub(root, NS_0058_V3, "report"),
        NS_0058_V3,
        "positiveReport" if report.positive else "negativeReport",
    )
    if report.code:
        _sub(body, REPORT_NS, "code", report.code)
    if report.text:
        _sub(body, REPORT_NS, "text", report.text)
    for key, value in report.data.items():
        item = _sub(body, REPORT_NS, "item", value)
        item.set("name", key)
    schemas.validate_report(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def parse_report(data: bytes) -> Report:
    """Read an eCH-0058 v3 eventReport; ``ValueError`` if it is not one (malformed answer)."""
    try:
        root = parse_xml(data)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"kein XML: {exc}") from exc
    try:
        schemas.validate_report(root)
    except schemas.SchemaValidationError as exc:
        raise ValueError(f"kein gültiger eCH-0058-Bericht: {exc}") from exc
    ns = {"e": NS_0058_V3, "r": REPORT_NS}
    positive = root.find("e:report/e:positiveReport", ns)
    body = positive if positive is not None else root.find("e:report/e:negativeReport", ns)
    return Report(
        positive=positive is not None,
        message_id=root.findtext("e:reportHeader/e:messageId", "", ns),
        reference_message_id=root.findtext("e:reportHeader/e:referenceMessageId", "", ns),
        code=body.findtext("r:code", "", ns),
        text=body.findtext("r:text", "", ns),
        data={el.get("name"): el.text or "" for el in body.findall("r:item", ns)},
    )
