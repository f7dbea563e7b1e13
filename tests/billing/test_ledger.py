from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from billing.models import Category, Kind, LedgerEntry
from billing.services import (
    BillingError,
    contributions_book,
    ledger_entry_book,
    ledger_entry_reverse,
)

pytestmark = pytest.mark.django_db


def _expenditure(user, amount="1200.50", **extra):
    return ledger_entry_book(
        year=2021,
        kind=Kind.EXPENDITURE,
        category=Category.PORTAL,
        amount=Decimal(amount),
        text="Rechnung Entwicklung Portal",
        document_ref="RE-2021-17",
        booked_by=user,
        **extra,
    )


def test_booking_an_expenditure_records_who_and_when(canton_user):
    """A manual booking stores amount, category, document reference, booking person and time."""
    entry = _expenditure(canton_user)
    entry.refresh_from_db()
    assert entry.amount == Decimal("1200.50")
    assert entry.category == Category.PORTAL
    assert entry.document_ref == "RE-2021-17"
    assert entry.booked_by == canton_user
    assert entry.booked_at is not None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": Decimal("-5.00")}, "amount"),
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("1.005")}, "amount"),
        ({"category": "kaffee"}, "category"),
        ({"category": ""}, "category"),
        ({"year": 2020}, "year"),
        ({"year": 2031}, "year"),
        ({"kind": Kind.COMMUNE_CONTRIBUTION}, "kind"),
        ({"text": "  "}, "text"),
    ],
)
def test_invalid_manual_bookings_are_refused(canton_user, fields, field):
    """Positive amounts with 2 places, a known category, a programme year and a text are required."""
    values = {
        "year": 2021,
        "kind": Kind.EXPENDITURE,
        "category": Category.PORTAL,
        "amount": Decimal("10.00"),
        "text": "Test",
    }
    values.update(fields)
    with pytest.raises(BillingError) as info:
        ledger_entry_book(booked_by=canton_user, **values)
    assert field in info.value.message_dict
    assert not LedgerEntry.objects.exists()


def test_in_kind_contribution_has_no_category(canton_user):
    """Contributions in kind carry no category."""
    with pytest.raises(BillingError):
        ledger_entry_book(
            year=2021,
            kind=Kind.CANTON_IN_KIND,
            category=Category.PORTAL,
            amount=Decimal("10.00"),
            text="Arbeitszeit",
            booked_by=canton_user,
        )
    assert not LedgerEntry.objects.exists()


def test_reversal_negates_and_points_at_the_original(canton_user):
    """A reversal books the negated amount and refers to the original; the net is zero."""
    entry = _expenditure(canton_user)
    reversal = ledger_entry_reverse(entry=entry, booked_by=canton_user, reason="Doppelt erfasst")
    assert reversal.reverses == entry
    assert reversal.amount == Decimal("-1200.50")
    assert (reversal.year, reversal.kind, reversal.category) == (
        2021,
        Kind.EXPENDITURE,
        Category.PORTAL,
    )
    assert "Doppelt erfasst" in reversal.text
    assert sum(e.amount for e in LedgerEntry.objects.all()) == 0


def test_entry_can_be_reversed_only_once(canton_user):
    """A second reversal of the same entry is refused and books nothing."""
    entry = _expenditure(canton_user)
    ledger_entry_reverse(entry=entry, booked_by=canton_user)
    with pytest.raises(BillingError, match="bereits storniert"):
        ledger_entry_reverse(entry=entry, booked_by=canton_user)
    assert LedgerEntry.objects.count() == 2


def test_database_refuses_a_second_reversal_too(canton_user):
    """Even bypassing the service, the database allows one reversal per entry (unique key)."""
    entry = _expenditure(canton_user)
    ledger_entry_reverse(entry=entry, booked_by=canton_user)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.create(
            year=2021,
            kind=Kind.EXPENDITURE,
            category=Category.PORTAL,
            amount=-entry.amount,
            text="x",
            reverses=entry,
        )
    assert LedgerEntry.objects.count() == 2


def test_reversal_cannot_be_reversed(canton_user):
    """A reversing entry cannot itself be reversed."""
    reversal = ledger_entry_reverse(entry=_expenditure(canton_user), booked_by=canton_user)
    with pytest.raises(BillingError, match="selbst eine Stornobuchung"):
        ledger_entry_reverse(entry=reversal, booked_by=canton_user)
    assert LedgerEntry.objects.count() == 2


def test_reversing_a_commune_contribution_adjusts_the_canton_share(canton_user, kriens):
    """Reversing Kriens's contribution lowers the canton's matching share by the same amount."""
    contributions_book(year=2021, booked_by=canton_user)
    entry = LedgerEntry.objects.get(kind=Kind.COMMUNE_CONTRIBUTION, commune=kriens)
    ledger_entry_reverse(entry=entry, booked_by=canton_user)
    cash = LedgerEntry.objects.get(
        kind=Kind.CANTON_CASH, reverses__isnull=True, reversed_by__isnull=True
    )
    assert cash.amount == Decimal("520433.75") - entry.amount


def test_canton_cash_share_cannot_be_reversed_by_hand(canton_user):
    """The canton's cash share follows the contributions; a manual reversal is refused."""
    contributions_book(year=2021, booked_by=canton_user)
    cash = LedgerEntry.objects.get(kind=Kind.CANTON_CASH)
    with pytest.raises(BillingError):
        ledger_entry_reverse(entry=cash, booked_by=canton_user)
    assert not LedgerEntry.objects.filter(reverses=cash).exists()


def test_in_kind_contribution_counts_towards_the_canton_share(canton_user):
    """A contribution in kind lowers the canton's cash share; the canton's total stays matched."""
    contributions_book(year=2021, booked_by=canton_user)
    ledger_entry_book(
        year=2021,
        kind=Kind.CANTON_IN_KIND,
        amount=Decimal("20000.00"),
        text="Projektleitung durch Dienststelle Informatik",
        booked_by=canton_user,
    )
    active = LedgerEntry.objects.filter(reverses__isnull=True, reversed_by__isnull=True)
    assert active.get(kind=Kind.CANTON_CASH).amount == Decimal("500433.75")
    canton = sum(
        e.amount
        for e in LedgerEntry.objects.filter(kind__in=[Kind.CANTON_CASH, Kind.CANTON_IN_KIND])
    )
    assert canton == Decimal("520433.75")


def test_database_refuses_update(canton_user):
    """A raw SQL UPDATE of a ledger row fails in the database; the row is unchanged."""
    entry = _expenditure(canton_user)
    with (
        pytest.raises(DatabaseError, match="unveränderlich"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE billing_ledgerentry SET amount = 1 WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.amount == Decimal("1200.50")


def test_database_refuses_orm_save_of_an_existing_entry(canton_user):
    """Saving a changed entry through the ORM fails as well."""
    entry = _expenditure(canton_user)
    entry.amount = Decimal("1.00")
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.save()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("1200.50")


def test_database_refuses_delete(canton_user):
    """A raw SQL DELETE (and an ORM delete) of a ledger row fails; the row stays."""
    entry = _expenditure(canton_user)
    with (
        pytest.raises(DatabaseError, match="unveränderlich"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM billing_ledgerentry WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_database_refuses_truncate_of_a_non_empty_ledger(canton_user):
    """TRUNCATE of the ledger fails while it holds bookings."""
    _expenditure(canton_user)
    with (
        pytest.raises(DatabaseError, match="TRUNCATE"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE billing_ledgerentry, billing_expenditurelink")
    assert LedgerEntry.objects.count() == 1


def test_truncate_of_an_empty_ledger_is_allowed():
    """An empty ledger has nothing to protect: TRUNCATE works (test databases get flushed)."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE billing_ledgerentry, billing_expenditurelink")
    assert not LedgerEntry.objects.exists()
