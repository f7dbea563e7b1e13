"""What the money bought: deliverables linked to expenditures; usage per service and month."""

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from billing.models import Category, Deliverable, ExpenditureLink, Kind
from billing.selectors.benefit import deliverables_report, usage_by_service
from billing.services import (
    BillingError,
    ledger_entry_book,
    ledger_entry_reverse,
    usage_record_completion,
)
from billing.services.deliverables import deliverable_create, expenditure_link

pytestmark = pytest.mark.django_db
ZH = ZoneInfo("Europe/Zurich")


def _spend(user, amount: str, date: dt.date):
    return ledger_entry_book(
        year=date.year,
        kind=Kind.EXPENDITURE,
        category=Category.INTERFACES,
        amount=Decimal(amount),
        text="Rechnung Schnittstelle",
        booked_by=user,
        booking_date=date,
    )


def _case(kriens, when: dt.datetime, automated: bool) -> None:
    usage_record_completion(
        commune_bfs=kriens.bfs_number,
        service_key="hund-anmelden",
        case_id=uuid.uuid4(),
        submitted_at=when,
        completed_at=when + dt.timedelta(hours=1),
        automated=automated,
    )


def test_deliverable_lists_its_cost_and_what_it_changed(canton_user, kriens):
    """Two linked invoices (one reversed) make the cost; cases and share automated before
    and after the delivery month show the effect."""
    delivered = deliverable_create(
        kind=Deliverable.Kind.STAGE,
        title="Hund anmelden automatisiert",
        service_key="hund-anmelden",
        stage="automated",
        communes=12,
        delivered_on=dt.date(2025, 3, 15),
    )
    first = _spend(canton_user, "12000.00", dt.date(2025, 2, 1))
    second = _spend(canton_user, "3000.00", dt.date(2025, 3, 1))
    expenditure_link(entry=first, deliverable=delivered)
    expenditure_link(entry=second, deliverable=delivered)
    expenditure_link(entry=second, deliverable=delivered)  # twice: nothing new
    ledger_entry_reverse(entry=second, booked_by=canton_user)
    _case(kriens, dt.datetime(2025, 1, 10, 10, tzinfo=ZH), automated=False)
    _case(kriens, dt.datetime(2025, 3, 20, 10, tzinfo=ZH), automated=True)
    _case(kriens, dt.datetime(2025, 4, 2, 10, tzinfo=ZH), automated=True)
    (row,) = deliverables_report()
    assert row.cost == Decimal("12000.00")
    assert row.cases_after == 2
    assert (row.share_automated_before, row.share_automated_after) == (
        Decimal("0.0"),
        Decimal("100.0"),
    )
    assert ExpenditureLink.objects.count() == 2


def test_only_expenditures_can_be_linked(canton_user):
    """A budget is no expenditure: refused, no link."""
    budget = ledger_entry_book(
        year=2025,
        kind=Kind.BUDGET,
        category=Category.PORTAL,
        amount=Decimal("10.00"),
        text="Budget",
        booked_by=canton_user,
    )
    item = deliverable_create(
        kind=Deliverable.Kind.CONNECTOR, title="GERES", delivered_on=dt.date(2025, 5, 1)
    )
    with pytest.raises(BillingError):
        expenditure_link(entry=budget, deliverable=item)
    assert not ExpenditureLink.objects.exists()


def test_usage_table_per_service_and_month(kriens, public_client):
    """Orders per service and month with the share automated, also as the public page."""
    _case(kriens, dt.datetime(2026, 2, 3, 9, tzinfo=ZH), automated=True)
    _case(kriens, dt.datetime(2026, 2, 4, 9, tzinfo=ZH), automated=False)
    (row,) = usage_by_service(start=dt.date(2026, 1, 1), end=dt.date(2027, 1, 1))
    assert (row.service_key, row.month, row.orders, row.share_automated) == (
        "hund-anmelden",
        dt.date(2026, 2, 1),
        2,
        Decimal("50.0"),
    )
    html = public_client.get("/programme/2026/nutzung/").content.decode()
    assert "hund-anmelden" in html and "2026-02" in html and "50.0 %" in html
    assert public_client.get("/programme/2019/nutzung/").status_code == 404
