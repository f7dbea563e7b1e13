"""Hund anmelden: identification, registration with the dog register, dog tax as QR-bill."""

from __future__ import annotations

import pytest

from cases import handlers
from cases.models import CaseStatus, StepStatus
from cases.services import case_submit
from integrations.reference.population import generate_resident

from .helpers import run_automated

pytestmark = pytest.mark.django_db


def _order(user, chip: str):
    return case_submit(
        user=user,
        service_key="hund-anmelden",
        data={
            "dog_name": "Bello",
            "breed": "Berner Sennenhund",
            "birth_date": "2025-03-01",
            "sex": "m",
            "chip_number": chip,
            "since": "2026-01-10",
            "exempt": False,
            "insurance": "Mobiliar, Police 123-456",
            "email": "halter@example.ch",
        },
    )


def test_dog_is_registered_once_and_the_tax_invoiced(kriens, in_commune, resident_of, control):
    """The dog register gets one registration (a redelivered call repeats nothing); the dog
    tax (CHF 120) is a QR-bill on the case; the dog tag stays a clerk's task."""
    resident = resident_of(kriens, generate_resident(kriens.bfs_number, 21))
    before = control("dog")["effects"]
    with in_commune(kriens):
        case = run_automated(_order(resident, "756098100123456"))
        register = case.steps.get(key="register_dog")
        assert register.status == StepStatus.DONE
        assert register.output["chip_number"] == "756098100123456"
        event = case.events.get(kind="step_completed", details__step="register_dog")
        assert register.output["message_id"] in event.text
        invoice = case.steps.get(key="invoice")
        assert invoice.output["amount"] == "120.00"
        assert case.documents.filter(content_type="image/svg+xml").count() == 1
        assert case.steps.get(key="tag").status == StepStatus.PENDING
        assert case.status == CaseStatus.IN_PROGRESS
        assert control("dog")["effects"] == before + 1
        call = handlers.StepCall(
            case_id=case.pk,
            reference=case.reference,
            service_key="hund-anmelden",
            step_key=register.key,
            adapter_key=register.adapter_key,
            idempotency_key=register.idempotency_key,
            data=case.data,
            previous_outputs=register.input["previous_outputs"],
            applicant=register.input["applicant"],
        )
        again = handlers.handler_get("dog_register.register")(call)
        assert again["registration_id"] == register.output["registration_id"]
        assert control("dog")["effects"] == before + 1


def test_invalid_chip_becomes_a_clerk_task(kriens, in_commune, resident_of, control):
    """A chip number the register cannot take (wrong country code): no registration, a clerk
    task with the register's reason."""
    resident = resident_of(kriens, generate_resident(kriens.bfs_number, 22))
    before = control("dog")["effects"]
    with in_commune(kriens):
        case = run_automated(_order(resident, "123456789012345"))
        register = case.steps.get(key="register_dog")
        assert register.status == StepStatus.MANUAL_FALLBACK
        assert "invalid_chip" in register.last_error
        assert case.documents.count() == 0
    assert control("dog")["effects"] == before
