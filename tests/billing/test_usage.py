import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from billing.models import UsageCase, UsageMonthly
from billing.services import outside_office_hours, usage_record_completion, usage_record_submission

pytestmark = pytest.mark.django_db
ZH = ZoneInfo("Europe/Zurich")


@pytest.mark.parametrize(
    ("moment", "outside"),
    [
        (dt.datetime(2024, 3, 4, 7, 59, tzinfo=ZH), True),  # Monday before 08:00
        (dt.datetime(2024, 3, 4, 8, 0, tzinfo=ZH), False),
        (dt.datetime(2024, 3, 8, 16, 59, tzinfo=ZH), False),  # Friday
        (dt.datetime(2024, 3, 8, 17, 0, tzinfo=ZH), True),
        (dt.datetime(2024, 3, 9, 10, 0, tzinfo=ZH), True),  # Saturday
        (dt.datetime(2024, 3, 10, 10, 0, tzinfo=ZH), True),  # Sunday
        # 06:30 UTC is 08:30 in Zurich in summer (CEST), 07:30 in winter (CET).
        (dt.datetime(2024, 7, 1, 6, 30, tzinfo=dt.UTC), False),
        (dt.datetime(2024, 1, 8, 6, 30, tzinfo=dt.UTC), True),
    ],
)
def test_office_hours(moment, outside):
    """Office hours are Mon–Fri 08:00–17:00 in Zurich local time; weekends are always outside."""
    assert outside_office_hours(moment) is outside


def test_naive_datetime_is_refused():
    """A time without zone is ambiguous and refused; nothing is counted."""
    with pytest.raises(ValueError):
        usage_record_submission(
            commune_bfs=1059,
            service_key="x",
            case_id=uuid.uuid4(),
            submitted_at=dt.datetime(2024, 1, 1, 9),
        )
    assert not UsageCase.objects.exists()


def test_submission_counts_once():
    """A redelivered submission does not count twice."""
    case_id = uuid.uuid4()
    at = dt.datetime(2023, 5, 13, 22, 15, tzinfo=ZH)  # Saturday evening
    for _ in range(3):
        usage_record_submission(
            commune_bfs=1059, service_key="umzug", case_id=case_id, submitted_at=at
        )
    row = UsageMonthly.objects.get()
    assert (row.commune_bfs, row.service_key, row.month) == (1059, "umzug", dt.date(2023, 5, 1))
    assert (row.digital_cases, row.outside_office_hours) == (1, 1)
    assert UsageCase.objects.count() == 1


def test_a_submission_rolled_back_with_its_case_counts_nothing():
    """The count is part of the caller's transaction: when that rolls back, nothing is counted,
    and a second case in the same month still counts as the first."""
    at = dt.datetime(2023, 6, 5, 10, 0, tzinfo=ZH)
    with pytest.raises(RuntimeError), transaction.atomic():
        usage_record_submission(
            commune_bfs=1059, service_key="umzug", case_id=uuid.uuid4(), submitted_at=at
        )
        raise RuntimeError("the case could not be saved")
    assert not UsageCase.objects.exists()
    assert not UsageMonthly.objects.exists()
    usage_record_submission(
        commune_bfs=1059, service_key="umzug", case_id=uuid.uuid4(), submitted_at=at
    )
    assert UsageMonthly.objects.get().digital_cases == 1


def test_same_case_id_in_two_communes_counts_twice():
    """Case ids are unique per commune only: the commune is part of the key."""
    case_id = uuid.uuid4()
    at = dt.datetime(2023, 5, 10, 10, 0, tzinfo=ZH)
    usage_record_submission(commune_bfs=1059, service_key="umzug", case_id=case_id, submitted_at=at)
    usage_record_submission(commune_bfs=1024, service_key="umzug", case_id=case_id, submitted_at=at)
    assert UsageMonthly.objects.count() == 2
    assert sum(r.outside_office_hours for r in UsageMonthly.objects.all()) == 0


def test_completion_counts_once_with_processing_time():
    """Completion adds completed, automated and processing seconds once per case."""
    case_id = uuid.uuid4()
    submitted = dt.datetime(2023, 5, 10, 10, 0, tzinfo=ZH)
    completed = submitted + dt.timedelta(hours=2, seconds=5)
    usage_record_submission(
        commune_bfs=1059, service_key="umzug", case_id=case_id, submitted_at=submitted
    )
    for _ in range(2):
        usage_record_completion(
            commune_bfs=1059,
            service_key="umzug",
            case_id=case_id,
            submitted_at=submitted,
            completed_at=completed,
            automated=True,
        )
    row = UsageMonthly.objects.get()
    assert (row.digital_cases, row.completed_cases, row.automated_cases) == (1, 1, 1)
    assert row.processing_seconds == 7205


def test_completion_without_recorded_submission_counts_both():
    """A completion whose submission was never counted counts the submission too, once."""
    case_id = uuid.uuid4()
    submitted = dt.datetime(2023, 12, 31, 23, 30, tzinfo=ZH)
    usage_record_completion(
        commune_bfs=1059,
        service_key="hund",
        case_id=case_id,
        submitted_at=submitted,
        completed_at=submitted + dt.timedelta(days=1),
        automated=False,
    )
    row = UsageMonthly.objects.get()
    assert row.month == dt.date(2023, 12, 1)
    assert (
        row.digital_cases,
        row.outside_office_hours,
        row.completed_cases,
        row.automated_cases,
    ) == (1, 1, 1, 0)
    assert row.processing_seconds == 86400


def test_counters_work_from_inside_a_commune_schema(kriens, in_commune):
    """The cases services call the counters in the commune's schema; rows land in public."""
    case_id = uuid.uuid4()
    at = dt.datetime(2024, 2, 1, 9, 0, tzinfo=ZH)
    with in_commune(kriens):
        usage_record_submission(
            commune_bfs=kriens.bfs_number, service_key="umzug", case_id=case_id, submitted_at=at
        )
        usage_record_completion(
            commune_bfs=kriens.bfs_number,
            service_key="umzug",
            case_id=case_id,
            submitted_at=at,
            completed_at=at + dt.timedelta(minutes=1),
            automated=True,
        )
    row = UsageMonthly.objects.get(commune_bfs=kriens.bfs_number)
    assert (row.digital_cases, row.automated_cases, row.processing_seconds) == (1, 1, 60)
