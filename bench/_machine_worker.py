"""Imported by the worker processes of ``bench.process_machine`` (and by the bench itself).

- ``bench_noop``: a Dramatiq actor that does nothing (the broker/worker baseline). Only the
  first and the last message of a run write a timestamp file, outside the per-message path.
- Step handlers for the Wohnsitzbestätigung's adapter keys, installed only where the project
  registers none (before the automation wiring is merged): identify the commune's demo resident
  in the resident register → certificate PDF (WeasyPrint adapter) → QR-bill (qrbill adapter),
  both stored in the case. With the real wiring these fallbacks stay unused.
"""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import dramatiq

from cases import handlers
from cases.models import Case
from cases.services import document_generated_add
from integrations import registry
from integrations.adapters.documents.adapters import ResidenceCertificateRequest
from integrations.adapters.qr_invoice.adapters import InvoiceRequest, Party
from integrations.adapters.resident_register.data import IdentifyRequest
from integrations.reference import demo_person
from tenants.context import current_commune

NOOP_QUEUE = "bench-noop"


@dramatiq.actor(queue_name=NOOP_QUEUE, max_retries=0)
def bench_noop(index: int, last: int, marker_dir: str) -> None:
    """Nothing; message 0 and message ``last`` note the time they ran."""
    if index in (0, last):
        Path(marker_dir, f"noop-{index}").write_text(repr(time.time()))


WIRED_KEYS = ("resident_register.identify", "documents.residence_certificate", "billing.qr_invoice")
FALLBACKS_INSTALLED: list[str] = []


def _identify(call: handlers.StepCall) -> dict:
    commune = current_commune()
    who = demo_person(commune.bfs_number)
    person = registry.get("resident_register.identify").call(
        IdentifyRequest(
            bfs_number=commune.bfs_number,
            vn=who["vn"],
            date_of_birth=date.fromisoformat(who["date_of_birth"]),
            official_name=who["official_name"],
            first_name=who["first_name"],
        ),
        idempotency_key=call.idempotency_key,
    )
    a = person.address
    return {
        "person_id": person.person_id,
        "official_name": person.official_name,
        "first_name": person.first_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "nationality": person.nationality_name,
        "street": f"{a.street} {a.house_number}".strip(),
        "house_number": a.house_number,
        "street_name": a.street,
        "postcode": a.postcode,
        "town": a.town,
        "moving_in_date": person.moving_in_date.isoformat() if person.moving_in_date else "",
    }


def _certificate(call: handlers.StepCall) -> dict:
    commune = current_commune()
    p = call.previous_outputs["identify"]
    rendered = registry.get("documents.residence_certificate").call(
        ResidenceCertificateRequest(
            commune_name=commune.name,
            bfs_number=commune.bfs_number,
            authority=f"Einwohnerdienste {commune.name}",
            official_name=p["official_name"],
            first_name=p["first_name"],
            date_of_birth=date.fromisoformat(p["date_of_birth"]),
            street=p["street"],
            postcode=p["postcode"],
            town=p["town"],
            issue_date=date.today(),
            reference=call.reference,
            nationality=p["nationality"],
            moving_in_date=date.fromisoformat(p["moving_in_date"]) if p["moving_in_date"] else None,
        ),
        idempotency_key=call.idempotency_key,
    )
    case = Case.objects.get(pk=call.case_id)
    document = document_generated_add(
        case=case,
        step_key=call.step_key,
        name=rendered.filename,
        content=rendered.content,
        content_type=rendered.mime_type,
    )
    return {"document": str(document.pk), "pages": rendered.pages}


def _invoice(call: handlers.StepCall) -> dict:
    commune = current_commune()
    p = call.previous_outputs["identify"]
    case = Case.objects.get(pk=call.case_id)
    bill = registry.get("billing.qr_invoice").call(
        InvoiceRequest(
            creditor=Party(
                name=f"Gemeinde {commune.name}",
                street="Gemeindehausplatz",
                house_number="1",
                postcode=p["postcode"],
                town=commune.name,
            ),
            bfs_number=commune.bfs_number,
            amount=Decimal(case.fee or "20.00"),
            case_reference=call.reference,
            purpose="Wohnsitzbestätigung",
            debtor=Party(
                name=f"{p['first_name']} {p['official_name']}",
                street=p["street_name"],
                house_number=p["house_number"],
                postcode=p["postcode"],
                town=p["town"],
            ),
        ),
        idempotency_key=call.idempotency_key,
    )
    slug = call.reference.replace("/", "-")
    document = document_generated_add(
        case=case,
        step_key=call.step_key,
        name=f"rechnung-{slug}.svg",
        content=bill.svg,
        content_type="image/svg+xml",
    )
    return {"document": str(document.pk), "qr_reference": bill.reference}


for _key, _func in zip(WIRED_KEYS, (_identify, _certificate, _invoice), strict=True):
    if handlers.handler_get(_key) is None:
        handlers.register(_key)(_func)
        FALLBACKS_INSTALLED.append(_key)
