"""Identification in the resident register, the residence certificate and the QR-bill invoice
(the steps of the Wohnsitzbestätigung; identification and invoice serve other services too)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from integrations.adapters.documents.data import ResidenceCertificateRequest, SealRequest
from integrations.adapters.qr_invoice.data import InvoicePdfRequest, InvoiceRequest, Party
from integrations.adapters.resident_register.data import IdentifyRequest
from tenants.selectors import commune_creditor, commune_postcode

from ..handlers import PermanentStepError, StepCall, register
from ..models import Document
from .common import (
    adapter_call,
    case_of,
    commune_required,
    date_of,
    document_generated_add,
    person_answered,
    person_from,
    person_required,
    slug_of,
)
from .fees import payment_invoice_record

PURPOSES = {
    "employer": "Arbeitgeber",
    "bank": "Bank / Versicherung",
    "authority": "Behörde / Amt",
    "other": "",
}


@register("resident_register.identify")
def identify(call: StepCall) -> dict:
    """Identify the applicant in the commune's resident register (eCH-0044: AHV number, date
    of birth, names) → the register's person (``person``) for the following steps."""
    commune = commune_required()
    applicant = call.applicant
    missing = [
        label
        for key, label in (
            ("ahv_number", "AHV-Nummer"),
            ("date_of_birth", "Geburtsdatum"),
            ("last_name", "Name"),
            ("first_name", "Vorname"),
        )
        if not applicant.get(key)
    ]
    if missing:
        raise PermanentStepError(
            "Für die Identifikation im Einwohnerregister fehlen Angaben im Profil: "
            + ", ".join(missing)
            + ".",
            code="identity_incomplete",
            details={"missing": missing},
        )
    person = adapter_call(
        "resident_register.identify",
        IdentifyRequest(
            bfs_number=commune.bfs_number,
            vn=applicant["ahv_number"],
            date_of_birth=date_of(applicant["date_of_birth"], label="Geburtsdatum"),
            official_name=applicant["last_name"],
            first_name=applicant["first_name"],
            attributes=call.register_attributes,
        ),
        idempotency_key=call.idempotency_key,
    )
    return {
        "person": person_answered(person, call.register_attributes),
        "register_person_id": person.person_id,
        "summary": (
            f"im Einwohnerregister {commune.name} identifiziert (Personen-ID {person.person_id})"
        ),
        "summary_en": (
            f"identified in the resident register of {commune.name} (person ID {person.person_id})"
        ),
    }


@register("documents.residence_certificate")
def residence_certificate(call: StepCall) -> dict:
    """Render the residence certificate with the register's data and attach it to the case
    (visible to the resident); a redelivered step finds the stored PDF."""
    commune = commune_required()
    person = person_required(call)
    address = person.get("address") or {}
    case = case_of(call)
    rendered = adapter_call(
        "documents.residence_certificate",
        ResidenceCertificateRequest(
            commune_name=commune.name,
            bfs_number=commune.bfs_number,
            authority=f"Einwohnerdienste {commune.name}",
            official_name=person["official_name"],
            first_name=person["first_name"],
            date_of_birth=date_of(person["date_of_birth"], label="Geburtsdatum"),
            street=f"{address.get('street', '')} {address.get('house_number', '')}".strip(),
            postcode=str(address.get("postcode", "")),
            town=str(address.get("town", "")),
            issue_date=timezone.localdate(case.submitted_at),
            reference=call.reference,
            nationality=person.get("nationality_name") or "",
            moving_in_date=date_of(
                person.get("moving_in_date"), label="Zuzugsdatum", required=False
            ),
            purpose=PURPOSES.get(str(call.data.get("purpose") or ""), ""),
            register_message_id=str(person.get("person_id") or ""),
        ),
        idempotency_key=call.idempotency_key,
    )
    sealed = adapter_call(
        "documents.seal",
        SealRequest(
            pdf=rendered.content,
            commune_name=commune.name,
            bfs_number=commune.bfs_number,
            reference=call.reference,
            title="Wohnsitzbestätigung",
        ),
        idempotency_key=f"{call.idempotency_key}-seal",
    )
    document = document_generated_add(
        case=case,
        step_key=call.step_key,
        name=rendered.filename,
        content=sealed.content,
        content_type=rendered.mime_type,
        visible_to_resident=True,
    )
    return {
        "document": str(document.pk),
        "filename": rendered.filename,
        "sha256": sealed.sha256,
        "pages": rendered.pages,
        "sealed_by": sealed.signer,
        "summary": f"{rendered.title} als PDF mit elektronischem Siegel erstellt",
        "summary_en": "Certificate of residence issued as PDF with an electronic seal",
    }


def creditor_of(commune) -> Party:
    """The commune as creditor: name and address from its configuration
    (``tenants.CommuneConfig``), else its administration with the postcode from the vendored
    list in ``tenants``. Without either it gets no invoice: a clerk takes over. The account
    (QR-IBAN) comes with the ``billing`` block the registry serves for the commune."""
    configured = commune_creditor(commune)
    if configured is not None:
        return Party(**configured)
    postcode = commune_postcode(bfs_number=commune.bfs_number)
    if not postcode:
        raise PermanentStepError(
            f"Für die Gemeinde {commune.name} ist keine Postleitzahl hinterlegt: "
            "die Rechnung muss von Hand erstellt werden.",
            code="no_postcode",
        )
    return Party(
        name=f"Gemeinde {commune.name}",
        street="",
        house_number="",
        postcode=postcode,
        town=commune.name,
    )


def _debtor(call: StepCall) -> Party | None:
    person = person_from(call)
    if person is not None:
        a = person.get("address") or {}
        name = f"{person.get('first_name', '')} {person.get('official_name', '')}".strip()
        street, number, postcode, town = (
            a.get("street"),
            a.get("house_number"),
            a.get("postcode"),
            a.get("town"),
        )
    else:
        p = call.applicant
        name = f"{p.get('first_name', '')} {p.get('last_name', '')}".strip()
        street, number, postcode, town = (
            p.get("street"),
            p.get("house_number"),
            p.get("postcode"),
            p.get("town"),
        )
    if not (name and postcode and town):
        return None
    return Party(
        name=name[:70],
        street=str(street or ""),
        house_number=str(number or ""),
        postcode=str(postcode),
        town=str(town),
    )


def _invoice_pdf_attach(
    call: StepCall, case, request: InvoiceRequest, invoice, *, title: str
) -> Document | None:
    """The invoice as A4 PDF on the case (``billing.qr_invoice_pdf``), unless
    ``settings.CASES_INVOICE_PDF`` is off; a redelivered step does not render it again."""
    if not getattr(settings, "CASES_INVOICE_PDF", True):
        return None
    name = f"rechnung-{slug_of(call.reference)}.pdf"
    pdf = case.documents.filter(field_key=call.step_key, name=name).first()
    if pdf is not None:
        return pdf
    return document_generated_add(
        case=case,
        step_key=call.step_key,
        name=name,
        content=adapter_call(
            "billing.qr_invoice_pdf",
            InvoicePdfRequest(
                invoice_request=request,
                invoice=invoice,
                title=title,
                issue_date=timezone.localdate(case.submitted_at).strftime("%d.%m.%Y"),
            ),
            idempotency_key=f"{call.idempotency_key}-pdf",
        ),
        content_type="application/pdf",
        visible_to_resident=True,
    )


@register("billing.qr_invoice")
def qr_invoice(call: StepCall) -> dict:
    """The case's fee as Swiss QR-bill (creditor: the commune), attached to the case as A4 PDF
    with the payment part and as the payment part's SVG; a case without fee gets no invoice."""
    commune = commune_required()
    case = case_of(call)
    amount = Decimal(case.fee or 0)
    if amount <= 0:
        return {
            "amount": "0.00",
            "summary": "keine Gebühr, keine Rechnung",
            "summary_en": "no fee, no invoice",
        }
    if getattr(case.version, "payment_mode", "qr_bill") == "online":
        return {
            "amount": f"{amount:.2f}",
            "summary": "Gebühr wird online bezahlt, keine Rechnung",
            "summary_en": "fee paid online, no invoice",
        }
    service_name = case.version.name_de if case.version_id else call.service_key
    request = InvoiceRequest(
        creditor=creditor_of(commune),
        bfs_number=commune.bfs_number,
        amount=amount,
        case_reference=call.reference,
        purpose=f"{service_name}, {call.reference}",
        debtor=_debtor(call),
    )
    invoice = adapter_call("billing.qr_invoice", request, idempotency_key=call.idempotency_key)
    payment_invoice_record(case=case, qr_reference=invoice.reference)
    slug = slug_of(call.reference)
    pdf = _invoice_pdf_attach(call, case, request, invoice, title=f"Rechnung {service_name}")
    # A step run again after a killed worker finds the payment part it stored (like the PDF).
    svg_name = f"qr-einzahlungsschein-{slug}.svg"
    document = case.documents.filter(
        field_key=call.step_key, name=svg_name
    ).first() or document_generated_add(
        case=case,
        step_key=call.step_key,
        name=svg_name,
        content=invoice.svg,
        content_type="image/svg+xml",
        visible_to_resident=True,
    )
    return {
        "document": str((pdf or document).pk),
        "payment_part": str(document.pk),
        "amount": f"{invoice.amount:.2f}",
        "currency": invoice.currency,
        "iban": invoice.iban,
        "reference": invoice.reference,
        "reference_type": invoice.reference_type,
        "summary": (
            f"Rechnung über CHF {invoice.amount:.2f} mit QR-Einzahlungsschein erstellt "
            f"(Referenz {invoice.reference_formatted})"
        ),
        "summary_en": (
            f"invoice of CHF {invoice.amount:.2f} with QR payment slip issued "
            f"(reference {invoice.reference_formatted})"
        ),
    }
