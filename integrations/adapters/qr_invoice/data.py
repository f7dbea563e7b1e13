"""Plain data of the QR-bill adapters (``billing.qr_invoice``, ``billing.qr_invoice_pdf``): what
callers build and get back, importable without the adapters."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Party:
    name: str
    street: str
    house_number: str
    postcode: str
    town: str
    country: str = "CH"


@dataclass(frozen=True)
class InvoiceRequest:
    creditor: Party  # the commune (name and address of its administration)
    bfs_number: int
    amount: Decimal  # CHF
    case_reference: str
    purpose: str = ""  # shown as "additional information", e.g. "Wohnsitzbestätigung"
    debtor: Party | None = None
    iban: str = ""  # empty: the configured qr_iban
    language: str = "de"


@dataclass(frozen=True)
class QrInvoice:
    svg: bytes  # the payment part with receipt (A6 landscape), SVG
    payload: str  # the QR code's content (SPC … EPD, CR LF separated)
    reference: str  # QRR (27 digits) or SCOR (RF…)
    reference_formatted: str  # as printed, in blocks
    reference_type: str  # "QRR" or "SCOR"
    iban: str
    amount: Decimal
    currency: str = "CHF"
    # The QR code's modules, one string per row, "1" dark and "0" light (for the PDF).
    qr_modules: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class InvoicePdfRequest:
    """The A4 invoice of a QR-bill: the bill's request and the bill ``billing.qr_invoice`` made."""

    invoice_request: InvoiceRequest
    invoice: QrInvoice
    title: str
    issue_date: str  # as printed, e.g. "28.11.2026"
