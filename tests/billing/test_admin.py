from decimal import Decimal

import pytest
from django.urls import reverse as django_reverse

from billing.admin import LedgerEntryAdmin
from billing.models import Category, Kind, LedgerEntry
from billing.services import ledger_entry_book
from tenants.admin_sites import canton_admin_site

pytestmark = pytest.mark.django_db


def reverse(name, args=None):
    return django_reverse(name, args=args, urlconf="config.urls_public")


def _entry(user):
    return ledger_entry_book(
        year=2022,
        kind=Kind.BUDGET,
        category=Category.RESERVE,
        amount=Decimal("50000.00"),
        text="Budget Reserve 2022",
        booked_by=user,
    )


def test_admin_offers_no_change_and_no_delete(canton_user, rf):
    """The ledger admin has no change or delete permission and no delete action."""
    model_admin = canton_admin_site._registry[LedgerEntry]
    assert isinstance(model_admin, LedgerEntryAdmin)
    request = rf.get("/")
    request.user = canton_user
    entry = _entry(canton_user)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_admin_change_and_delete_requests_change_nothing(canton_admin, canton_user):
    """POSTing to the change or delete page is refused; the entry is untouched."""
    entry = _entry(canton_user)
    change_url = reverse("canton_admin:billing_ledgerentry_change", args=[entry.pk])
    delete_url = reverse("canton_admin:billing_ledgerentry_delete", args=[entry.pk])
    response = canton_admin.post(
        change_url,
        {"year": 2022, "kind": "budget", "category": "reserve", "amount": "1.00", "text": "x"},
    )
    assert response.status_code == 403
    assert canton_admin.post(delete_url, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.amount == Decimal("50000.00")


def test_admin_books_an_expenditure(canton_admin, canton_user):
    """The add form books through the service, with the logged-in person as booked_by."""
    response = canton_admin.post(
        reverse("canton_admin:billing_ledgerentry_add"),
        {
            "year": "2021",
            "kind": "expenditure",
            "category": "modellierung_prozesse",
            "amount": "4800.00",
            "text": "Workshop Prozesse",
            "document_ref": "RE-44",
        },
    )
    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    assert (entry.amount, entry.category, entry.booked_by) == (
        Decimal("4800.00"),
        "modellierung_prozesse",
        canton_user,
    )


def test_admin_refuses_invalid_booking(canton_admin):
    """A negative amount without category is refused with German messages; nothing is booked."""
    response = canton_admin.post(
        reverse("canton_admin:billing_ledgerentry_add"),
        {"year": "2021", "kind": "expenditure", "category": "", "amount": "-3", "text": "x"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Bitte eine der sechs Kategorien wählen." in content
    assert "grösser als 0" in content
    assert not LedgerEntry.objects.exists()


def test_admin_list_shows_who_booked(canton_admin, canton_user):
    """The list shows each entry with the person who booked it."""
    _entry(canton_user)
    response = canton_admin.get(reverse("canton_admin:billing_ledgerentry_changelist"))
    assert response.status_code == 200
    assert "finanzen@lu.ch" in response.content.decode()
    assert "Gemeindebeiträge buchen" in response.content.decode()


def test_admin_action_reverses_entries(canton_admin, canton_user):
    """The admin action books a reversal for each selected entry."""
    entry = _entry(canton_user)
    response = canton_admin.post(
        reverse("canton_admin:billing_ledgerentry_changelist"),
        {"action": "reverse_entries", "_selected_action": [entry.pk]},
    )
    assert response.status_code == 302
    reversal = LedgerEntry.objects.get(reverses=entry)
    assert reversal.amount == Decimal("-50000.00")
    assert reversal.booked_by == canton_user


def test_admin_books_contributions_of_a_year(canton_admin, canton_user):
    """The admin page books the communes' contributions; 2022 is refused with names."""
    url = reverse("canton_admin:billing_ledgerentry_book_contributions")
    response = canton_admin.post(url, {"year": "2022"})
    assert response.status_code == 200
    assert "Emmen" in response.content.decode()
    assert not LedgerEntry.objects.exists()
    response = canton_admin.post(url, {"year": "2021"})
    assert response.status_code == 302
    assert (
        LedgerEntry.objects.filter(kind=Kind.COMMUNE_CONTRIBUTION, booked_by=canton_user).count()
        == 80
    )


def test_admin_shows_an_entry_read_only(canton_admin, canton_user):
    """An entry's page is a read-only view without a save button."""
    entry = _entry(canton_user)
    response = canton_admin.get(reverse("canton_admin:billing_ledgerentry_change", args=[entry.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Budget Reserve 2022" in content
    assert 'name="_save"' not in content


def test_usage_counters_are_read_only_in_admin(canton_admin):
    """The usage counters page lists but offers no add."""
    response = canton_admin.get(reverse("canton_admin:billing_usagemonthly_changelist"))
    assert response.status_code == 200
    assert canton_admin.get(reverse("canton_admin:billing_usagemonthly_add")).status_code == 403


def test_admin_forms_render(canton_admin):
    """The booking form and the contributions page render for cantonal staff."""
    add = canton_admin.get(reverse("canton_admin:billing_ledgerentry_add"))
    assert add.status_code == 200
    assert "Entwicklung Schnittstellen" in add.content.decode()
    page = canton_admin.get(reverse("canton_admin:billing_ledgerentry_book_contributions"))
    assert page.status_code == 200
    assert "Beiträge buchen" in page.content.decode()


def test_admin_is_closed_to_anonymous_users():
    """Without login the booking page redirects to the admin login; nothing is booked."""
    from django.test import Client

    response = Client(HTTP_HOST="localhost").post(
        reverse("canton_admin:billing_ledgerentry_book_contributions"), {"year": "2021"}
    )
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not LedgerEntry.objects.exists()
