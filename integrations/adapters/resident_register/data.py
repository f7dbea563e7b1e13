"""Plain input/output data of the resident register adapters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Address:
    street: str
    house_number: str
    postcode: str
    town: str


# What identifies a person: the register always answers with these.
IDENTIFYING_ATTRIBUTES = ("person_id", "vn", "official_name", "first_name", "date_of_birth")
# Everything a read may ask for (the same names as ``catalog.models.REGISTER_ATTRIBUTES``).
PERSON_ATTRIBUTES = (
    *IDENTIFYING_ATTRIBUTES,
    "sex",
    "nationality",
    "nationality_name",
    "address",
    "moving_in_date",
)


@dataclass(frozen=True)
class IdentifyRequest:
    """Who to look up, in which commune's register (eCH-0044 identification).

    ``attributes``: the person's attributes the service needs (``PERSON_ATTRIBUTES``); the
    register answers with those and the identifying ones only. Empty: the whole person.
    """

    bfs_number: int
    vn: str  # AHV number, with or without dots
    date_of_birth: date
    official_name: str
    first_name: str
    attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResidenceRequest:
    """Look up a person the register already identified (by its ``person_id``);
    ``attributes`` as for ``IdentifyRequest``."""

    bfs_number: int
    person_id: str
    attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Person:
    """A resident as the register answered: the identifying attributes always, the others
    only when asked for (else empty / None)."""

    person_id: str
    bfs_number: int
    vn: str
    official_name: str
    first_name: str
    date_of_birth: date
    sex: str = ""  # "1" male, "2" female (eCH-0044)
    nationality: str = ""  # ISO 3166 alpha-2
    nationality_name: str = ""
    address: Address | None = None
    moving_in_date: date | None = None


@dataclass(frozen=True)
class Municipality:
    name: str
    bfs_number: int = 0
    canton: str = "LU"


@dataclass(frozen=True)
class PersonEvent:
    """Who an eCH-0020 event reported to the register of ``bfs_number`` is about."""

    bfs_number: int
    commune_name: str
    vn: str
    official_name: str
    first_name: str
    sex: str
    date_of_birth: date


@dataclass(frozen=True)
class MoveInRequest(PersonEvent):
    """Report an arrival to the register of ``bfs_number`` (eCH-0020 moveIn)."""

    nationality: str
    nationality_name: str
    arrival_date: date
    address: Address
    comes_from: Municipality | None = None  # None: unknown / abroad
    place_of_origin: str = ""  # Swiss citizens: Heimatort
    place_of_origin_canton: str = ""
    marital_status: str = "1"  # eCH-0011: 1 ledig, 2 verheiratet, …
    residence_permit: str = "03"  # foreigners (eCH-0006)


@dataclass(frozen=True)
class MoveOutRequest(PersonEvent):
    """Report a departure to the register of ``bfs_number`` (eCH-0020 moveOut)."""

    departure_date: date
    goes_to: Municipality | None = None  # None: unknown / abroad
    person_id: str = ""  # the register's id, if known


@dataclass(frozen=True)
class AddressChangeRequest(PersonEvent):
    """Report a move within the commune ``bfs_number`` (eCH-0020 move): the new address."""

    moving_date: date
    address: Address
    person_id: str = ""  # the register's id, if known


@dataclass(frozen=True)
class MoveResult:
    """The register's positive acknowledgement."""

    message_id: str  # the register's id of the event (for the case timeline)
    reference_message_id: str  # our message id, echoed
    person_id: str
    request_xml: bytes  # what was sent (eCH-0020 delivery), for the record
