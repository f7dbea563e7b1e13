"""Build a Swiss QR-bill (SIX implementation guidelines 2.x) with the ``qrbill`` package.

The creditor account comes from the request or the ``billing`` block's ``qr_iban``: the
commune's own (``tenants.CommuneConfig``, served by the registry for the commune the job runs
in), in development else ``INTEGRATIONS["billing"]["qr_iban"]``. With a
QR-IBAN (institution id 30000–31999) the reference is a QRR (26 digits + check digit): the
commune's BFS number (4 digits) followed by the case reference's digits (zero-padded to 22) when
it consists of digits and separators only, otherwise a digest of it. With an ordinary IBAN the
reference is a SCOR creditor reference (ISO 11649, ``RF`` + check digits + the case reference's
letters and digits, at most 21).
"""

from __future__ import annotations

import hashlib
import io
import re
from decimal import ROUND_HALF_UP, Decimal

from qrbill import QRBill
from stdnum import iban
from stdnum.ch import esr

from integrations.adapters.documents.pdf import warm_up
from integrations.base import Adapter, PermanentError
from integrations.registry import register

from .data import InvoicePdfRequest, InvoiceRequest, Party, QrInvoice
from .invoice_pdf import STYLESHEET, qr_invoice_pdf
from .qr_code import qr_modules, qr_path, qr_runs

__all__ = [
    "InvoicePdfAdapter",
    "InvoicePdfRequest",
    "InvoiceRequest",
    "Party",
    "QrInvoice",
    "QrInvoiceAdapter",
    "qr_modules",
    "qr_path",
    "qr_runs",
]

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")


def is_qr_iban(account: str) -> bool:
    """A Swiss/Liechtenstein QR-IBAN: institution id (digits 5–9) between 30000 and 31999."""
    value = re.sub(r"\s", "", account).upper()
    iid = value[4:9]
    return (
        value[:2] in ("CH", "LI")
        and (iid.isascii() and iid.isdigit())
        and 30000 <= int(iid) <= 31999
    )


def qrr_reference(bfs_number: int, case_reference: str) -> str:
    """27-digit QR reference: BFS number + case digits (or a digest) + check digit."""
    if re.fullmatch(r"[\d\s./-]+", case_reference) and len(re.sub(r"\D", "", case_reference)) <= 22:
        body = re.sub(r"\D", "", case_reference).zfill(22)
    else:
        digest = int(hashlib.sha256(case_reference.encode()).hexdigest(), 16)
        body = f"{digest % 10**22:022d}"
    base = f"{bfs_number % 10000:04d}{body}"
    return base + esr.calc_check_digit(base)


def scor_reference(case_reference: str) -> str:
    """ISO 11649 creditor reference ``RFxx…`` from the case reference's letters and digits."""
    ref = re.sub(r"[^0-9A-Za-z]", "", case_reference).upper()
    if not ref or len(ref) > 21:
        raise PermanentError(
            "Die Fallreferenz passt nicht in eine Gläubigerreferenz (1–21 Zeichen).",
            code="invalid_reference",
        )
    numeric = "".join(str(int(c, 36)) for c in ref + "RF00")
    return f"RF{98 - int(numeric) % 97:02d}{ref}"


class _QrImage:
    """What qrbill's ``draw_bill`` uses of ``qr_image()``: ``width`` in modules and ``save()``
    writing an SVG with the QR code as one ``<path>``."""

    def __init__(self, modules: tuple[str, ...]):
        self.width = len(modules)
        self.path = qr_path(modules)

    def save(self, stream, kind=None) -> None:
        stream.write(
            f'<svg xmlns="http://www.w3.org/2000/svg"><path d="{self.path}"/></svg>'.encode()
        )


class _QRBill(QRBill):
    """qrbill's bill whose QR code is computed once (kept in ``modules``) and drawn with
    horizontal runs instead of one square per module."""

    modules: tuple[str, ...] = ()

    def qr_image(self) -> _QrImage:
        self.modules = qr_modules(self.qr_data())
        return _QrImage(self.modules)


def _party(p: Party) -> dict[str, str]:
    return {
        "name": p.name,
        "street": p.street,
        "house_num": p.house_number,
        "pcode": p.postcode,
        "city": p.town,
        "country": p.country,
    }


@register("billing.qr_invoice")
class QrInvoiceAdapter(Adapter):
    """Invoice as Swiss QR-bill → ``QrInvoice`` (SVG and payload). Local computation: the same
    request always gives the same bill, so the idempotency key needs no bookkeeping."""

    config_name = "billing"
    required_settings = ("qr_iban",)

    def warm_up(self) -> None:
        # The invoice PDF's stylesheet and fonts, in the calling thread.
        warm_up(stylesheets=[STYLESHEET])

    @classmethod
    def check_configuration(cls, config) -> list[str]:
        problems = super().check_configuration(config)
        value = str(config.get("qr_iban") or "")
        if value and not iban.is_valid(value):
            problems.append(f"«qr_iban» ist keine gültige IBAN: {value!r}.")
        return problems

    def call(self, request: InvoiceRequest, *, idempotency_key: str) -> QrInvoice:
        account = re.sub(r"\s", "", request.iban or str(self.config.get("qr_iban", ""))).upper()
        amount = Decimal(request.amount).quantize(CENT, rounding=ROUND_HALF_UP)
        if not (Decimal("0") < amount <= MAX_AMOUNT):
            raise PermanentError(
                "Der Betrag muss zwischen 0.01 und 999 999 999.99 CHF liegen.",
                code="invalid_amount",
            )
        if is_qr_iban(account):
            reference, reference_type = (
                qrr_reference(request.bfs_number, request.case_reference),
                "QRR",
            )
        else:
            reference, reference_type = scor_reference(request.case_reference), "SCOR"
        try:
            bill = _QRBill(
                account=account,
                creditor=_party(request.creditor),
                amount=f"{amount:.2f}",
                currency="CHF",
                debtor=_party(request.debtor) if request.debtor else None,
                reference_number=reference,
                additional_information=request.purpose[:140],
                language=request.language if request.language in ("de", "fr", "it", "en") else "de",
            )
            svg = io.StringIO()
            bill.as_svg(svg)
        except ValueError as exc:
            raise PermanentError(
                f"Die QR-Rechnung ist ungültig: {exc}", code="invalid_invoice"
            ) from exc
        formatted = (
            esr.format(reference)
            if reference_type == "QRR"
            else " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))
        )
        return QrInvoice(
            svg=svg.getvalue().encode(),
            payload=bill.qr_data(),
            reference=reference,
            reference_formatted=formatted,
            reference_type=reference_type,
            iban=account,
            amount=amount,
            qr_modules=bill.modules,
        )


@register("billing.qr_invoice_pdf")
class InvoicePdfAdapter(Adapter):
    """A QR-bill (``QrInvoice``, from ``billing.qr_invoice``) as A4 invoice PDF → bytes. Local
    rendering; the same request renders the same PDF. Registered with ``QrInvoiceAdapter``
    (same module), whose warm-up prepares its stylesheet and fonts."""

    def call(self, request: InvoicePdfRequest, *, idempotency_key: str) -> bytes:
        return qr_invoice_pdf(
            request.invoice_request,
            request.invoice,
            title=request.title,
            issue_date=request.issue_date,
        )
