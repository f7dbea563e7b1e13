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
class SealRequest:
    """Seal ``pdf`` in the name of the commune (``documents.seal``)."""

    pdf: bytes
    commune_name: str
    bfs_number: int
    reference: str  # the case reference, written into the seal (its "reason")
    title: str  # e.g. "Wohnsitzbestätigung"


@dataclass(frozen=True)
class SealedPdf:
    content: bytes
    sha256: str
    signer: str  # the sealing certificate's subject, e.g. "Gemeinde Kriens (BFS 1059)"


@dataclass(frozen=True)
class SealCheckRequest:
    """Check the seal of an uploaded PDF (``documents.seal_check``)."""

    pdf: bytes


@dataclass(frozen=True)
class SealCheck:
    """What anyone may learn about a document's seal (no personal data)."""

    sealed: bool  # the PDF carries a seal (a signature field with a signature)
    intact: bool = False  # the sealed bytes are unchanged and cover the whole file
    trusted: bool = False  # the seal's certificate chains to a trusted sealing authority
    signer: str = ""  # the sealing certificate's subject (commune)
    issuer: str = ""  # who issued the sealing certificate
    sealed_at: str = ""  # the signing time the seal reports, ISO 8601
    reason: str = ""  # title and reference, as sealed
    problem: str = ""  # in German, when not sealed, not intact or not trusted


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
