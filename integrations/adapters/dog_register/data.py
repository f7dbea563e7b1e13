"""Plain data of the dog register adapter (``dog_register.register``): what callers build and
get back, importable without the adapter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class DogOwner:
    vn: str
    official_name: str
    first_name: str
    date_of_birth: date
    bfs_number: int
    street: str
    house_number: str
    postcode: str
    town: str


@dataclass(frozen=True)
class DogRegistrationRequest:
    chip_number: str  # 15 digits (ISO 11784), 756… for Switzerland
    dog_name: str
    breed: str
    sex: str  # "m" / "f"
    date_of_birth: date
    colour: str
    owner: DogOwner


@dataclass(frozen=True)
class DogRegistration:
    registration_id: str
    message_id: str  # the register's id (for the case timeline)
    chip_number: str
    registered_at: datetime
