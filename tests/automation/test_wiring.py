"""Every automated step of the services offered at stage automated has a handler; the jobs
run through their actor functions; workers warm the adapters up at boot."""

from __future__ import annotations

import pytest

from cases import handlers
from cases.actors import handover_receive, handover_returned, run_step
from cases.automation.warmup import AdapterWarmUpMiddleware
from cases.models import CaseStatus
from cases.services import case_submit
from catalog.models import ServiceVersion, StepDefinition
from catalog.services import AUTOMATED_BY_DEFAULT
from integrations.reference.population import generate_resident
from tenants.models import Handover

pytestmark = pytest.mark.django_db


def test_every_automated_step_of_the_default_services_has_a_handler(catalogue):
    """No step of wohnsitzbestaetigung, umzug-*, hund-anmelden names an adapter without a
    handler (it would land with a clerk at once)."""
    keys = set(
        StepDefinition.objects.filter(
            kind=StepDefinition.Kind.AUTOMATED,
            version__service__key__in=AUTOMATED_BY_DEFAULT,
            version__status=ServiceVersion.Status.PUBLISHED,
        ).values_list("adapter_key", flat=True)
    )
    assert keys and keys <= set(handlers.handler_keys())


def test_actor_functions_run_steps_and_handovers(kriens, emmen, in_commune, resident_of):
    """``run_step`` completes a Wohnsitzbestätigung step by step; the hand-over actors do the
    Emmen side and the answer in their communes."""
    resident = resident_of(kriens, generate_resident(kriens.bfs_number, 31))
    with in_commune(kriens):
        case = case_submit(
            user=resident, service_key="wohnsitzbestaetigung", data={"delivery": "pdf"}
        )
        for step in case.steps.order_by("position"):
            run_step.fn(step.pk)
        case.refresh_from_db()
        assert case.status == CaseStatus.COMPLETED
        move = case_submit(
            user=resident,
            service_key="umzug-wegzug",
            data={
                "move_date": "2026-12-15",
                "destination": "ch",
                "new_address": {
                    "street": "Seetalstrasse",
                    "house_number": "3",
                    "postcode": "6020",
                    "town": "Emmen",
                },
                "persons": "me",
                "email": "person@example.ch",
            },
        )
        for step in move.steps.filter(kind="automated").order_by("position"):
            run_step.fn(step.pk)
    handover = Handover.objects.get(case_id=move.pk)
    with in_commune(emmen):
        handover_receive.fn(str(handover.pk))
    with in_commune(kriens):
        handover_returned.fn(str(handover.pk))
        assert move.events.filter(kind="handover_acknowledged").count() == 1
    handover.refresh_from_db()
    assert handover.status == Handover.Status.ACKNOWLEDGED and handover.closed_at is not None


def test_worker_boot_warms_the_adapters_up(registers):
    """After boot the eCH schemas are compiled (and the PDF fonts loaded) in this process."""
    from integrations.ech import schemas

    AdapterWarmUpMiddleware().after_worker_boot(broker=None, worker=None)
    assert schemas._delivery_schema.cache_info().currsize == 1
    assert schemas._report_schema.cache_info().currsize == 1


def test_the_warm_up_middleware_is_installed(settings):
    """Workers get the warm-up through the job middleware list."""
    assert (
        "cases.automation.warmup.AdapterWarmUpMiddleware" in settings.DRAMATIQ_BROKER["MIDDLEWARE"]
    )
