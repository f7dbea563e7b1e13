"""The cantonal deliverables page: record a deliverable, link expenditures, see its cost."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from billing.models import Category, Deliverable, ExpenditureLink, Kind, LedgerEntry
from billing.services import BillingError, ledger_entry_book, ledger_entry_reverse
from billing.services.deliverables import deliverable_create, expenditure_link

pytestmark = pytest.mark.django_db

ADD = "/admin/billing/deliverable/add/"
LIST = "/admin/billing/deliverable/"


def _book(user, kind: str, amount: str, text: str = "Rechnung Schnittstelle") -> LedgerEntry:
    return ledger_entry_book(
        year=2025,
        kind=kind,
        category=Category.INTERFACES,
        amount=Decimal(amount),
        text=text,
        booked_by=user,
        booking_date=dt.date(2025, 3, 1),
    )


def test_record_a_deliverable_and_link_expenditures_on_the_page(canton_admin, canton_user):
    """The add form records through the service; the link form links an expenditure; the
    deliverable's page and the list show the net linked cost; the ledger is untouched."""
    response = canton_admin.post(
        ADD,
        {
            "kind": "connector",
            "title": "Schnittstelle GERES",
            "delivered_on": "2025-03-15",
            "service_key": "",
            "stage": "",
            "communes": "80",
            "description": "Anbindung an das Einwohnerregister.",
        },
    )
    assert response.status_code == 302
    item = Deliverable.objects.get()
    assert (item.kind, item.communes) == ("connector", 80)
    first = _book(canton_user, Kind.EXPENDITURE, "12000.00")
    second = _book(canton_user, Kind.EXPENDITURE, "3000.00")
    page = canton_admin.get(f"{LIST}{item.pk}/change/").content.decode()
    assert "Rechnung Schnittstelle" in page and f'value="{first.pk}"' in page
    link_url = f"{LIST}{item.pk}/ausgabe-verknuepfen/"
    assert canton_admin.post(link_url, {"entry": first.pk}).status_code == 302
    assert canton_admin.post(link_url, {"entry": second.pk}).status_code == 302
    ledger_entry_reverse(entry=second, booked_by=canton_user)
    page = canton_admin.get(f"{LIST}{item.pk}/change/").content.decode()
    assert "CHF 12&#x27;000.00" in page
    assert "12&#x27;000.00" in canton_admin.get(LIST).content.decode()
    assert ExpenditureLink.objects.filter(deliverable=item).count() == 2
    first.refresh_from_db()
    assert first.amount == Decimal("12000.00") and LedgerEntry.objects.count() == 3


@pytest.mark.parametrize("kind", [Kind.BUDGET, "reversal"])
def test_a_non_expenditure_is_refused_with_a_message(canton_admin, canton_user, kind):
    """A budget or a reversal posted to the link form: a clear error, nothing linked."""
    item = deliverable_create(
        kind=Deliverable.Kind.PILOT, title="Pilot Horw", delivered_on=dt.date(2025, 5, 1)
    )
    if kind == "reversal":
        entry = ledger_entry_reverse(
            entry=_book(canton_user, Kind.EXPENDITURE, "50.00"), booked_by=canton_user
        )
    else:
        entry = _book(canton_user, kind, "10.00", text="Budget")
    response = canton_admin.post(
        f"{LIST}{item.pk}/ausgabe-verknuepfen/", {"entry": entry.pk}, follow=True
    )
    assert "Nur Ausgaben (keine Stornobuchungen) können verknüpft werden." in (
        response.content.decode()
    )
    assert not ExpenditureLink.objects.exists()


@pytest.mark.parametrize(("change", "field"), [({"stage": ""}, "stage"), ({"title": " "}, "title")])
def test_an_invalid_deliverable_is_refused_and_nothing_stored(canton_admin, change, field):
    """A stage deliverable without its new stage, or without a title: an error, no row."""
    data = {"kind": "stage", "title": "Hund anmelden", "stage": "automated", "communes": "3"}
    response = canton_admin.post(ADD, {**data, "delivered_on": "2025-03-15", **change})
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == [field]
    assert not Deliverable.objects.exists()


def test_the_deliverable_page_needs_cantonal_staff(canton_user, commune_client, kriens, in_commune):
    """The deliverables page is not on a commune host, and an anonymous visitor gets the login."""
    from django.test import Client

    anonymous = Client(HTTP_HOST="localhost")
    assert anonymous.get(LIST).status_code == 302
    assert anonymous.post(ADD, {"kind": "pilot", "title": "x"}).status_code == 302
    assert commune_client(kriens).get(LIST).status_code in (302, 404)
    assert not Deliverable.objects.exists()


def test_deliverable_errors_in_english(canton_user):
    """The service's messages are translated."""
    item = deliverable_create(
        kind=Deliverable.Kind.PILOT, title="Pilot", delivered_on=dt.date(2025, 5, 1)
    )
    budget = _book(canton_user, Kind.BUDGET, "10.00", text="Budget")
    with translation.override("en"):
        with pytest.raises(BillingError) as exc:
            deliverable_create(kind="x", title="", delivered_on=dt.date(2025, 1, 1))
        assert exc.value.message_dict == {
            "kind": ["Please choose a kind (stage, connector, pilot)."],
            "title": ["Please enter a title."],
        }
        with pytest.raises(BillingError, match="Only expenditures"):
            expenditure_link(entry=budget, deliverable=item)
