"""Plain data of the document adapters (``documents.residence_certificate``): what callers
build and get back, importable without the adapters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ResidenceCertificateRequest:
    commune_name: str
    bfs_number: int
    authority: str  # e.g. "Einwohnerdienste Kriens"
    official_name: str
    first_name: str
    date_of_birth: date
    street: str  # with house number
    postcode: str
    town: str
    issue_date: date
    reference: str  # the case reference
    nationality: str = ""  # e.g. "Schweiz"
    moving_in_date: date | None = None
    purpose: str = ""
    authority_address: str = ""
    register_message_id: str = ""


@dataclass(frozen=True)
class RenderedDocument:
    content: bytes
    filename: str
    mime_type: str
    title: str
    sha256: str
    pages: int


@dataclass(frozen=True)
class PersonalDataSection:
    """One part of a personal data export: a heading and label/value lines."""

    heading: str
    lines: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PersonalDataRequest:
    """A person's data export as a readable document (access right, revDSG Art. 25)."""

    title: str
    generated_at: str
    sections: tuple[PersonalDataSection, ...]
