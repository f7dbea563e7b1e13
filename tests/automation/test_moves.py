"""Umzug melden (eCH-0093): moveOut in Kriens, hand-over through the public record, moveIn in
Emmen in Emmen's own schema, the acknowledgement back on the resident's one case."""

from __future__ import annotations

import datetime as dt

import dramatiq
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.automation.common import adapter_call
from cases.models import Case, CaseStatus, StepStatus
from cases.services import case_submit
from cases.services.handovers import (
    handover_answer_record,
    handover_incoming_process,
    handovers_sweep,
)
from integrations.adapters.resident_register.data import IdentifyRequest
from integrations.models import AdapterFailure
from integrations.reference.population import generate_resident
from tenants import handover as handovers
from tenants.jobs import SCHEMA_OPTION
from tenants.models import Handover

from .helpers import run_automated

pytestmark = pytest.mark.django_db

MOVE_DATE = dt.date(2026, 12, 1)
EMMEN_ADDRESS = {
    "street": "Gerliswilstrasse",
    "house_number": "12",
    "postcode": "6020",
    "town": "Emmen",
}


def _wegzug(user, *, town_address=EMMEN_ADDRESS):
    return case_submit(
        user=user,
        service_key="umzug-wegzug",
        data={
            "move_date": MOVE_DATE.isoformat(),
            "destination": "ch",
            "new_address": town_address,
            "persons": "me",
            "email": "person@example.ch",
        },
    )


def _queued(broker) -> list[dramatiq.Message]:
    queue = broker.queues.get("steps")
    messages = []
    while queue is not None and queue.qsize():
        messages.append(dramatiq.Message.decode(queue.get()))
    return messages


def test_kriens_to_emmen_through_the_handover_record(
    kriens, emmen, in_commune, resident_of, django_capture_on_commit_callbacks
):
    """Kriens reports the moveOut (acknowledged), opens one public hand-over and sends a job
    into Emmen's schema; Emmen reports the moveIn to its register reading only the hand-over,
    answers; back in Kriens the acknowledgement with Emmen's message id appears once on the
    resident's case."""
    person = generate_resident(kriens.bfs_number, 11)
    resident = resident_of(kriens, person)
    broker = dramatiq.get_broker()
    broker.flush_all()
    with in_commune(kriens):
        with django_capture_on_commit_callbacks(execute=True):
            case = run_automated(_wegzug(resident))
        deregister = case.steps.get(key="deregister")
        assert deregister.status == StepStatus.DONE
        assert deregister.output["message_id"].startswith(f"EWR-{kriens.bfs_number}-")
        assert case.status == CaseStatus.IN_PROGRESS  # the Heimatschein is sent by hand
        assert case.steps.get(key="origin_certificate").status == StepStatus.PENDING
        assert (
            case.documents.filter(content_type="application/xml", visible_to_resident=False).count()
            == 1
        )
    handover = Handover.objects.get(case_id=case.pk)
    assert (handover.from_commune, handover.to_commune) == (kriens, emmen)
    assert handover.status == Handover.Status.PENDING
    assert handover.payload["person"]["vn"] == person["vn"]
    assert deregister.output["handover"] == str(handover.pk)
    sent = [m for m in _queued(broker) if m.actor_name == "handover_receive"]
    assert len(sent) == 1 and sent[0].options[SCHEMA_OPTION] == emmen.schema_name
    assert sent[0].args == (str(handover.pk),)

    # Emmen's side, as the job runs it: in Emmen's schema, reading only the public record.
    with in_commune(emmen):
        assert handovers.handover_for_target(handover_id=handover.pk) is not None
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            handover_incoming_process(handover_id=str(handover.pk))
            handover_incoming_process(handover_id=str(handover.pk))  # redelivered: no-op
        assert not any(kriens.schema_name in q["sql"] for q in queries.captured_queries)
        assert Case.objects.count() == 0
    handover.refresh_from_db()
    assert handover.status == Handover.Status.ACKNOWLEDGED
    assert handover.result["message_id"].startswith(f"EWR-{emmen.bfs_number}-")
    replies = [m for m in _queued(broker) if m.actor_name == "handover_returned"]
    assert len(replies) == 1 and replies[0].options[SCHEMA_OPTION] == kriens.schema_name
    # Emmen's register now knows the person.
    arrived = adapter_call(
        "resident_register.identify",
        IdentifyRequest(
            bfs_number=emmen.bfs_number,
            vn=person["vn"],
            date_of_birth=dt.date.fromisoformat(person["date_of_birth"]),
            official_name=person["official_name"],
            first_name=person["first_name"],
        ),
        idempotency_key="test-emmen-identify",
    )
    assert arrived.address.town == "Emmen" and arrived.person_id == handover.result["person_id"]

    # Back in Kriens: the answer lands on the resident's case, once.
    with in_commune(kriens):
        assert handover_answer_record(handover_id=str(handover.pk)) is True
        assert handover_answer_record(handover_id=str(handover.pk)) is False
        events = case.events.filter(kind="handover_acknowledged")
        assert events.count() == 1 and events[0].visible_to_resident
        assert handover.result["message_id"] in events[0].text and "Emmen" in events[0].text
    handover.refresh_from_db()
    assert handover.closed_at is not None
    broker.flush_all()


def test_handover_is_only_visible_to_its_target(kriens, emmen, in_commune, resident_of):
    """Another commune (or the sender) cannot process a hand-over addressed to Emmen."""
    resident = resident_of(kriens, generate_resident(kriens.bfs_number, 12))
    with in_commune(kriens):
        case = run_automated(_wegzug(resident))
        handover = Handover.objects.get(case_id=case.pk)
        assert handovers.handover_for_target(handover_id=handover.pk) is None
        assert handover_incoming_process(handover_id=str(handover.pk)) is None
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING and handover.processed_at is None


def test_emmen_register_refusal_is_reported_back(kriens, emmen, in_commune, resident_of):
    """When Emmen's register refuses the moveIn (the person is already resident there), the
    hand-over fails and the Kriens clerks get an internal note on the case."""
    resident = resident_of(kriens, generate_resident(kriens.bfs_number, 13))
    with in_commune(kriens):
        case = run_automated(_wegzug(resident))
    handover = Handover.objects.get(case_id=case.pk)
    # the person arrives in Emmen a first time (another path), then the hand-over comes in
    handover_copy = Handover.objects.create(
        kind="move-test",
        from_commune=kriens,
        to_commune=emmen,
        case_id=handover.case_id,
        payload=handover.payload,
    )
    with in_commune(emmen):
        handover_incoming_process(handover_id=str(handover_copy.pk))
        handover_incoming_process(handover_id=str(handover.pk))
    handover.refresh_from_db()
    assert handover.status == Handover.Status.FAILED and "already_resident" in handover.error
    with in_commune(kriens):
        assert handover_answer_record(handover_id=str(handover.pk)) is True
        note = case.events.get(kind="handover_failed")
        assert not note.visible_to_resident and "Emmen" in note.text
    failure = AdapterFailure.objects.get(case_id=case.pk, commune_bfs=emmen.bfs_number)
    assert failure.error_code == "already_resident" and failure.handed_to_clerk


def test_move_abroad_needs_no_handover(kriens, in_commune, resident_of):
    """A move to a town outside the portal is reported to Kriens's register only."""
    resident = resident_of(kriens, generate_resident(kriens.bfs_number, 14))
    with in_commune(kriens):
        case = run_automated(
            _wegzug(
                resident,
                town_address={
                    "street": "Bahnhofstrasse",
                    "house_number": "1",
                    "postcode": "8001",
                    "town": "Zürich",
                },
            )
        )
        assert case.steps.get(key="deregister").status == StepStatus.DONE
        assert "handover" not in case.steps.get(key="deregister").output
    assert not Handover.objects.filter(case_id=case.pk).exists()


def test_sweep_resends_lost_handovers_and_records_lost_answers(
    kriens, emmen, in_commune, resident_of, django_capture_on_commit_callbacks
):
    """The hand-over's job never reached Emmen (broker down): the periodic sweep in Kriens sends
    it again after 10 minutes; Emmen's reply job got lost too: the sweep records the answer on
    the case, once."""
    resident = resident_of(kriens, generate_resident(kriens.bfs_number, 15))
    broker = dramatiq.get_broker()
    broker.flush_all()
    with in_commune(kriens):
        case = run_automated(_wegzug(resident))  # on-commit sends never run: "lost"
    handover = Handover.objects.get(case_id=case.pk)
    assert _queued(broker) == []
    with in_commune(kriens):
        assert handovers_sweep() == {"resent": 0, "recorded": 0}  # not due yet
        Handover.objects.filter(pk=handover.pk).update(
            last_sent_at=timezone.now() - dt.timedelta(minutes=11)
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert handovers_sweep() == {"resent": 1, "recorded": 0}
    sent = _queued(broker)
    assert [(m.actor_name, m.options[SCHEMA_OPTION]) for m in sent] == [
        ("handover_receive", emmen.schema_name)
    ]
    with in_commune(emmen):
        handover_incoming_process(handover_id=str(handover.pk))  # reply send "lost"
    with in_commune(kriens):
        assert handovers_sweep() == {"resent": 0, "recorded": 1}
        assert handovers_sweep() == {"resent": 0, "recorded": 0}
        assert case.events.filter(kind="handover_acknowledged").count() == 1
    broker.flush_all()


def test_cantonal_staff_see_handovers(kriens, emmen, in_commune, resident_of, public_client):
    """The canton admin lists hand-overs (read-only) with their communes and status."""
    from tests.factories import UserFactory

    resident = resident_of(kriens, generate_resident(kriens.bfs_number, 16))
    with in_commune(kriens):
        case = run_automated(_wegzug(resident))
    public_client.force_login(UserFactory(email="staff@lu.ch", canton=True))
    page = public_client.get("/admin/tenants/handover/?status=pending")
    html = page.content.decode()
    assert page.status_code == 200 and case.reference in html and "Emmen" in html
    assert public_client.get("/admin/tenants/handover/add/").status_code == 403


def test_destination_found_by_postcode(kriens, emmen, in_commune, resident_of):
    """ "6020 Emmenbrücke" is in Emmen: the move is handed over to Emmen."""
    resident = resident_of(kriens, generate_resident(kriens.bfs_number, 17))
    address = {**EMMEN_ADDRESS, "town": "Emmenbrücke"}
    with in_commune(kriens):
        case = run_automated(_wegzug(resident, town_address=address))
    assert Handover.objects.get(case_id=case.pk).to_commune == emmen
