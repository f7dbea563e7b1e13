"""Deferred writes (``cases.services.deferred`` on ``tenants.db_backend``): the machine's writes
travel with the next statement or the COMMIT, and every statement still sees them."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cases.models import Case, CaseStep
from cases.services import case_submit
from cases.services.deferred import row_save, write_later, writes_deferred
from catalog.offers.models import Stage

from .factories import offer, service_with_steps

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(kriens, in_commune, kriens_setup):
    version = service_with_steps(key="aufgeschoben")
    with in_commune(kriens):
        offer(version, stage=Stage.AUTOMATED)
        yield case_submit(
            user=kriens_setup["resident"], service_key="aufgeschoben", data={"reason": "x"}
        )


def _count(queries, text: str) -> int:
    return sum(q["sql"].count(text) for q in queries)


def test_a_deferred_write_travels_with_the_next_statement_which_sees_it(case):
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), writes_deferred():
        case.decision_reason = "aufgeschoben"
        row_save(case, ["decision_reason"])
        assert _count(queries, 'UPDATE "cases_case"') == 0  # nothing sent yet
        note = Case.objects.values_list("decision_reason", flat=True).get(pk=case.pk)
    assert note == "aufgeschoben"
    # One query string: the UPDATE in front of the SELECT.
    carrier = [q["sql"] for q in queries.captured_queries if 'UPDATE "cases_case"' in q["sql"]]
    assert len(carrier) == 1 and 'SELECT "cases_case"."decision_reason"' in carrier[0]


def test_two_writes_of_one_row_become_one_with_both_fields(case):
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), writes_deferred():
        case.decision_reason = "erst"
        row_save(case, ["decision_reason"])
        case.awaiting_info = True
        row_save(case, ["awaiting_info"])
        stored = Case.objects.values_list("decision_reason", "awaiting_info").get(pk=case.pk)
    assert stored == ("erst", True)
    assert _count(queries, 'UPDATE "cases_case"') == 1


def test_outside_writes_deferred_every_write_is_sent_at_once(case):
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        case.decision_reason = "sofort"
        row_save(case, ["decision_reason"])
        assert _count(queries, 'UPDATE "cases_case"') == 1


def test_writes_made_inside_a_savepoint_that_is_rolled_back_are_dropped(case):
    with transaction.atomic(), writes_deferred():
        try:
            with transaction.atomic():
                case.decision_reason = "verworfen"
                row_save(case, ["decision_reason"])
                raise RuntimeError("abgebrochen")
        except RuntimeError:
            pass
        assert Case.objects.get(pk=case.pk).decision_reason == ""


def test_a_failing_deferred_write_fails_the_transaction_and_changes_nothing(case):
    step = CaseStep.objects.get(case=case)
    with pytest.raises(DatabaseError), transaction.atomic(), writes_deferred():
        case.decision_reason = "mit"
        row_save(case, ["decision_reason"])
        write_later(("kaputt",), lambda: [("UPDATE cases_casestep SET position = -1 / 0", [])])
        CaseStep.objects.filter(pk=step.pk).exists()
    assert Case.objects.get(pk=case.pk).decision_reason == ""
    assert CaseStep.objects.get(pk=step.pk).position == step.position


def test_switching_the_schema_sends_the_writes_to_the_schema_they_were_made_in(
    case, kriens, emmen, in_commune
):
    with in_commune(kriens), transaction.atomic(), writes_deferred():
        case.decision_reason = "nur in Kriens"
        row_save(case, ["decision_reason"])
        connection.set_tenant(emmen)
        assert not Case.objects.filter(pk=case.pk).exists()  # Emmen has no such case
        connection.set_tenant(kriens)
        assert Case.objects.get(pk=case.pk).decision_reason == "nur in Kriens"


@pytest.mark.parametrize("fields", [None, ["status", "decision_reason", "awaiting_info"]])
def test_the_update_kept_per_process_is_the_one_djangos_compiler_makes(case, fields):
    """``update_statement`` compiles a model's UPDATE once; the next rows get the same SQL and
    the values the compiler would give them (encrypted fields included)."""
    from cases.services import deferred

    deferred._UPDATE_SQL.clear()
    case.decision_reason = "Begründung"
    compiled = deferred.update_statement(case, fields)
    kept = deferred.update_statement(case, fields)
    assert kept[0] == compiled[0]
    assert len(kept[1]) == len(compiled[1])
    differing = [i for i, (a, b) in enumerate(zip(compiled[1], kept[1], strict=True)) if a != b]
    # Only encrypted values (a fresh IV each time; JSON adapted) and the auto_now timestamp.
    unwrapped = [getattr(compiled[1][i], "obj", compiled[1][i]) for i in differing]
    assert all(str(v).startswith("fernet:") or hasattr(v, "tzinfo") for v in unwrapped)
    assert compiled[1][-1] == kept[1][-1] == case.pk
    with transaction.atomic(), writes_deferred():
        row_save(case, fields)
        assert Case.objects.get(pk=case.pk).decision_reason == "Begründung"


def test_a_prepared_select_sees_the_deferred_writes_too(case):
    """PreparedSelect (``tenants.prepared``) normally runs as a statement PostgreSQL keeps
    prepared, outside the query strings that carry deferred writes: with writes waiting it goes
    the client-bound way, and sees them."""
    from tenants.prepared import PreparedSelect

    by_reference = PreparedSelect(
        lambda reference: Case.objects.filter(reference=reference), "sample-reference"
    )
    with transaction.atomic(), writes_deferred():
        case.decision_reason = "vorbereitet gelesen"
        row_save(case, ["decision_reason"])
        assert connection.has_deferred_writes()
        [read] = by_reference.all(case.reference)
        assert not connection.has_deferred_writes()
    assert read.decision_reason == "vorbereitet gelesen"


def test_a_statement_with_named_parameters_still_sees_the_deferred_writes(case):
    """Deferred writes (positional parameters) cannot share a query string with a statement
    whose parameters are named: they go just before it."""
    with transaction.atomic(), writes_deferred():
        case.decision_reason = "vor dem benannten"
        row_save(case, ["decision_reason"])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT decision_reason FROM cases_case WHERE id = %(id)s", {"id": case.pk}
            )
            assert cursor.fetchone()[0] == "vor dem benannten"


def _case_updates(queries) -> list[str]:
    return [
        part
        for q in queries.captured_queries
        for part in q["sql"].split("; ")
        if part.startswith('UPDATE "cases_case"')
    ]


def test_a_status_change_writes_the_status_and_not_the_encrypted_data(case):
    """The form data and the identity are neither encrypted nor written again."""
    from django.utils import timezone

    from cases.models import CaseStatus
    from cases.services.core import status_set

    data_before = Case.objects.values_list("data", flat=True).get(pk=case.pk)
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), writes_deferred():
        assert status_set(case=case, status=CaseStatus.IN_PROGRESS, actor=None, now=timezone.now())
    [update] = _case_updates(queries)
    assert '"status" =' in update and '"updated_at" =' in update
    assert '"data"' not in update and '"identity"' not in update
    stored = Case.objects.get(pk=case.pk)
    assert stored.status == CaseStatus.IN_PROGRESS
    assert Case.objects.values_list("data", flat=True).get(pk=case.pk) == data_before


def test_closing_a_case_writes_its_decision_with_the_status_in_one_update(case):
    from django.utils import timezone

    from cases.models import CaseStatus
    from cases.services.steps import case_close

    now = timezone.now()
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), writes_deferred():
        case_close(case=case, actor=None, decision=Case.Decision.REJECTED, reason="Nein", now=now)
    [update] = _case_updates(queries)
    assert '"decision_reason" =' in update and '"data"' not in update
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.decision, stored.decision_reason) == (
        CaseStatus.REJECTED,
        Case.Decision.REJECTED,
        "Nein",
    )
    assert stored.closed_at == now and stored.decided_at == now and not stored.awaiting_info
