"""Cases report their usage to the Fünfliber counters, by value and once per case."""

import pytest

from billing.models import UsageCase, UsageMonthly
from cases.services import case_submit, step_complete

pytestmark = pytest.mark.django_db


def test_submission_and_completion_are_counted_once(kriens, in_commune, kriens_setup, version):
    """A submitted case counts as digital; completing it by a clerk counts it, not as automated."""
    with in_commune(kriens):
        case = case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "x"}
        )
        usage = UsageCase.objects.get(commune_bfs=1059, case_id=case.pk)
        assert usage.service_key == "parkkarte-test" and usage.completed_at is None
        step = case.steps.get()
        step_complete(step_id=step.pk, user=kriens_setup["clerk"])
    usage.refresh_from_db()
    assert usage.completed_at is not None
    assert usage.automated is False
    monthly = UsageMonthly.objects.get(commune_bfs=1059, service_key="parkkarte-test")
    assert (monthly.digital_cases, monthly.completed_cases, monthly.automated_cases) == (1, 1, 0)


def test_a_refused_order_counts_nothing(kriens, in_commune, kriens_setup, version):
    """An order that fails validation leaves the counters untouched."""
    from cases.services import OrderInvalid

    with in_commune(kriens), pytest.raises(OrderInvalid):
        case_submit(user=kriens_setup["resident"], service_key="parkkarte-test", data={})
    assert not UsageCase.objects.exists()
    assert not UsageMonthly.objects.exists()


def test_an_order_a_clerk_enters_counts_as_recorded_not_digital(
    kriens, in_commune, kriens_setup, version
):
    """An order entered with a clerk's account (taken at the counter or by phone) is counted
    as recorded by the administration; the resident's own order as digital."""
    with in_commune(kriens):
        clerk_case = case_submit(
            user=kriens_setup["clerk"], service_key="parkkarte-test", data={"reason": "x"}
        )
        case_submit(
            user=kriens_setup["resident"], service_key="parkkarte-test", data={"reason": "y"}
        )
    assert UsageCase.objects.get(case_id=clerk_case.pk).digital is False
    monthly = UsageMonthly.objects.get(commune_bfs=1059, service_key="parkkarte-test")
    assert (monthly.digital_cases, monthly.recorded_cases) == (1, 1)
