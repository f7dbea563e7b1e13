"""Retention: closed cases past their version's retention period lose their personal content
(cases.services.retention, manage.py apply_retention); held cases, other communes, the usage
counters and the ledger stay as they were."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from billing.models import LedgerEntry, UsageCase, UsageMonthly
from cases.models import Case, CaseEvent, CaseStep, DeletionRecord, Message
from cases.services import case_submit, case_withdraw, message_send
from cases.services.retention import retention_apply
from catalog.offers.models import Stage
from tenants.models import CaseIndexEntry, Commune, Handover
from tests.factories import UserFactory

from .factories import offer, service_with_steps

pytestmark = pytest.mark.django_db
ORDER = {"reason": "Bank"}


@pytest.fixture
def short_version(db):
    return service_with_steps(key="aufbewahrung-test", retention_days=30)


def _closed_case(user, *, days_ago: int, **fields) -> Case:
    case = case_submit(user=user, service_key="aufbewahrung-test", data=ORDER)
    message_send(case=case, user=user, body="Meine Telefonnummer ist 041 000 00 00")
    case_withdraw(case=case, user=user)
    Case.objects.filter(pk=case.pk).update(
        closed_at=timezone.now() - dt.timedelta(days=days_ago), **fields
    )
    return case


@pytest.fixture
def world(kriens, emmen, in_commune, short_version):
    """In Kriens: a due case, a due case on legal hold, a due case with an open objection, a
    case closed recently, an open case; in Emmen: a due case."""
    cases = {}
    with in_commune(emmen):
        offer(short_version, stage=Stage.FORM)
        resident = UserFactory(oidc_subject="sub-emmen-1")
        cases["emmen_due"] = _closed_case(resident, days_ago=40)
    with in_commune(kriens):
        offer(short_version, stage=Stage.FORM)
        resident = UserFactory(oidc_subject="sub-kriens-1")
        cases["due"] = _closed_case(resident, days_ago=40)
        cases["hold"] = _closed_case(
            resident, days_ago=40, legal_hold=True, legal_hold_reason="Strafverfahren"
        )
        cases["objection"] = _closed_case(resident, days_ago=400, objection_open=True)
        cases["recent"] = _closed_case(resident, days_ago=10)
        cases["open"] = case_submit(user=resident, service_key="aufbewahrung-test", data=ORDER)
    Handover.objects.create(
        kind="test",
        from_commune=kriens,
        to_commune=emmen,
        case_id=cases["due"].pk,
        payload={"vn": "756.1234.5678.97"},
    )
    return cases


def _totals() -> tuple:
    usage = UsageMonthly.objects.aggregate(
        d=Sum("digital_cases"), c=Sum("completed_cases"), a=Sum("automated_cases")
    )
    ledger = LedgerEntry.objects.aggregate(s=Sum("amount"))
    return usage, ledger, UsageCase.objects.count(), LedgerEntry.objects.count()


def test_deletes_exactly_what_is_due(kriens, emmen, in_commune, world):
    """The due case and everything personal about it are gone, with a deletion record; held,
    recent, open cases and the other commune's case are untouched; counters and ledger too."""
    before = _totals()
    with in_commune(kriens):
        result = retention_apply()
        assert (result.due, result.deleted, result.on_hold) == (1, 1, 2)
        assert sorted(result.on_hold_references) == sorted(
            [world["hold"].reference, world["objection"].reference]
        )
        due = world["due"].pk
        assert not Case.objects.filter(pk=due).exists()
        assert not CaseStep.objects.filter(case_id=due).exists()
        assert not CaseEvent.objects.filter(case_id=due).exists()
        assert not Message.objects.filter(case_id=due).exists()
        record = DeletionRecord.objects.get(case_id=due)
        assert record.reference == world["due"].reference
        assert record.retention_days == 30 and "DSG" in record.legal_basis
        assert {"form_data", "messages", "documents"} <= set(record.deleted["kinds"])
        kept = {world[k].pk for k in ("hold", "objection", "recent", "open")}
        assert set(Case.objects.values_list("pk", flat=True)) == kept
        assert Message.objects.filter(case_id__in=kept).count() == 3
    assert not CaseIndexEntry.objects.filter(case_id=due).exists()
    assert CaseIndexEntry.objects.filter(commune=kriens).count() == 4
    assert Handover.objects.get(case_id=due).payload == {}
    with in_commune(emmen):
        assert Case.objects.filter(pk=world["emmen_due"].pk).exists()
        assert Message.objects.filter(case_id=world["emmen_due"].pk).exists()
    assert _totals() == before


def test_dry_run_changes_nothing(kriens, in_commune, world):
    """``dry_run`` counts what is due and on hold and deletes nothing."""
    with in_commune(kriens):
        cases_before = Case.objects.count()
        result = retention_apply(dry_run=True)
        assert (result.due, result.deleted, result.on_hold) == (1, 0, 2)
        assert result.due_references == [world["due"].reference]
        assert Case.objects.count() == cases_before
        assert not DeletionRecord.objects.exists()


def test_command_prints_one_json_object(kriens, in_commune, world):
    """``apply_retention --commune kriens`` prints due/deleted/on_hold; --dry-run lists."""
    out = StringIO()
    call_command("apply_retention", "--commune", "kriens", "--dry-run", stdout=out)
    dry = json.loads(out.getvalue())
    assert (dry["due"], dry["deleted"], dry["on_hold"]) == (1, 0, 2)
    assert dry["communes"]["kriens"]["due_references"] == [world["due"].reference]
    connection.set_schema_to_public()
    out = StringIO()
    call_command("apply_retention", "--commune", "kriens", stdout=out)
    done = json.loads(out.getvalue())
    assert (done["due"], done["deleted"], done["on_hold"]) == (1, 1, 2)
    with in_commune(Commune.objects.get(slug="emmen")):
        assert Case.objects.count() == 1


def test_command_refuses_an_unknown_commune(kriens, in_commune, world):
    """An unknown slug is a clear German error and deletes nothing."""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Keine aktive Gemeinde"):
        call_command("apply_retention", "--commune", "atlantis", stdout=StringIO())
    with in_commune(kriens):
        assert Case.objects.filter(pk=world["due"].pk).exists()


def test_clerk_sets_a_legal_hold_through_the_back_office(kriens, in_commune, world, commune_client):
    """A clerk's hold (with a reason) keeps a due case from retention and is in the timeline;
    a hold without a reason is refused and changes nothing."""
    from guardian.shortcuts import assign_perm

    from .factories import clerk_in

    due = world["due"]
    with in_commune(kriens):
        clerk = clerk_in("Einwohnerdienste")
        assign_perm("cases.view_case", clerk, due)
        assign_perm("cases.change_case", clerk, due)
    client = commune_client(kriens)
    with in_commune(kriens):
        client.force_login(clerk)
    url = f"/backoffice/geschaefte/{due.pk}/aufbewahrung/"
    client.post(url, {"legal_hold": "on", "reason": ""})
    with in_commune(kriens):
        due.refresh_from_db()
        assert not due.legal_hold and not CaseEvent.objects.filter(kind="hold_set").exists()
    client.post(url, {"legal_hold": "on", "reason": "Beschwerde hängig"})
    with in_commune(kriens):
        due.refresh_from_db()
        assert due.legal_hold and due.legal_hold_reason == "Beschwerde hängig"
        assert CaseEvent.objects.filter(case=due, kind="hold_set").exists()
        result = retention_apply()
        assert (result.due, result.deleted, result.on_hold) == (0, 0, 3)
        assert Case.objects.filter(pk=due.pk).exists()


def test_periodic_job_deletes_per_commune_at_most_once_per_interval(kriens, in_commune, world):
    """The scheduler's job (one message per commune) deletes what is due in its commune; a
    second message within the interval does nothing."""
    from django.core.cache import cache

    from cases.actors import apply_retention
    from tenants.scheduler import periodic_actors

    assert apply_retention in periodic_actors()
    with in_commune(kriens):
        cache.delete("cases:retention-ran")
        apply_retention.fn()
        assert not Case.objects.filter(pk=world["due"].pk).exists()
        Case.objects.filter(pk=world["recent"].pk).update(
            closed_at=timezone.now() - dt.timedelta(days=31)
        )
        apply_retention.fn()
        assert Case.objects.filter(pk=world["recent"].pk).exists()
        cache.delete("cases:retention-ran")
