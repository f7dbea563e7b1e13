import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from billing.models import Kind, LedgerEntry
from billing.selectors import contributions_booked, contributions_calculate
from billing.services import MissingPopulationError, contributions_book
from tenants.models import Commune, PopulationFigure
from tenants.services import population_set

pytestmark = pytest.mark.django_db

TOTAL_2021 = Decimal("520433.75")  # 1.25 × 416,347


def _active(year, kind=Kind.COMMUNE_CONTRIBUTION):
    return LedgerEntry.objects.filter(
        year=year, kind=kind, reverses__isnull=True, reversed_by__isnull=True
    )


def test_2021_contributions_per_commune_and_total(canton_user):
    """2021: every one of the 80 communes pays CHF 1.25 × its population at 31.12.2020."""
    result = contributions_book(year=2021, booked_by=canton_user)
    assert result.booked == 80
    assert result.total_communes == TOTAL_2021
    entries = {e.commune.bfs_number: e for e in _active(2021).select_related("commune")}
    assert len(entries) == 80
    for figure in PopulationFigure.objects.filter(year=2020).select_related("commune"):
        entry = entries[figure.commune.bfs_number]
        assert entry.population_basis == figure.residents
        assert entry.rate == Decimal("1.25")
        assert entry.amount == (Decimal("1.25") * figure.residents).quantize(Decimal("0.01"))
        assert entry.booked_by == canton_user
    kriens = entries[1059]
    assert (
        kriens.population_basis
        == PopulationFigure.objects.get(commune=kriens.commune, year=2020).residents
    )
    assert sum(e.amount for e in entries.values()) == TOTAL_2021


def test_honau_pays_itself_until_its_merger_in_2025(canton_user):
    """Honau merged into Root on 1.1.2025, so it pays its own 2021 contribution."""
    contributions_book(year=2021, booked_by=canton_user)
    honau = _active(2021).get(commune__bfs_number=1057)
    root = _active(2021).get(commune__bfs_number=1065)
    assert (
        honau.population_basis
        == PopulationFigure.objects.get(commune=honau.commune, year=2020).residents
    )
    assert (
        root.population_basis
        == PopulationFigure.objects.get(commune=root.commune, year=2020).residents
    )


def test_canton_matches_the_communes_total(canton_user):
    """The canton's cash contribution equals the communes' total."""
    contributions_book(year=2021, booked_by=canton_user)
    cash = _active(2021, Kind.CANTON_CASH).get()
    assert cash.amount == TOTAL_2021
    booked = contributions_booked(year=2021)
    assert booked.total_communes == TOTAL_2021
    assert booked.total_canton == TOTAL_2021


def test_2022_refused_naming_communes_without_2021_figures(canton_user):
    """2022 needs all 2021 figures (only 18/80 exist): refused with the communes named, nothing booked."""
    missing = Commune.objects.exclude(populations__year=2021)
    assert missing.count() == 62
    with pytest.raises(MissingPopulationError) as info:
        contributions_book(year=2022, booked_by=canton_user)
    message = info.value.messages[0]
    for commune in missing:
        assert commune.name in message
    assert "31.12.2021" in message
    assert {c.pk for c in info.value.communes} == {c.pk for c in missing}
    assert not LedgerEntry.objects.exists()


def test_command_refuses_2022_with_nonzero_exit_and_books_nothing():
    """book_contributions --year 2022 fails (CommandError → exit status 1) and books nothing."""
    with pytest.raises(CommandError, match=r"Emmen \(1024\)"):
        call_command("book_contributions", "--year", "2022")
    assert not LedgerEntry.objects.exists()


def test_command_books_2021(capsys):
    """book_contributions --year 2021 books 80 contributions and reports the total."""
    call_command("book_contributions", "--year", "2021")
    assert "80 neu gebucht" in capsys.readouterr().out
    assert _active(2021).count() == 80


def test_booking_again_books_nothing_new(canton_user):
    """Booking a year a second time writes no entry."""
    contributions_book(year=2021, booked_by=canton_user)
    count = LedgerEntry.objects.count()
    result = contributions_book(year=2021, booked_by=canton_user)
    assert not result.changed
    assert result.unchanged == 80
    assert LedgerEntry.objects.count() == count


def test_changed_population_books_a_correction(canton_user, kriens):
    """A corrected figure: the old entry is reversed and a new one booked; canton follows."""
    contributions_book(year=2021, booked_by=canton_user)
    old = _active(2021).get(commune=kriens)
    figure = PopulationFigure.objects.get(commune=kriens, year=2020)
    population_set(commune=kriens, year=2020, residents=figure.residents + 100, source="Korrektur")
    result = contributions_book(year=2021, booked_by=canton_user)
    assert (result.booked, result.corrected, result.unchanged) == (0, 1, 79)
    reversal = LedgerEntry.objects.get(reverses=old)
    assert reversal.amount == -old.amount
    new = _active(2021).get(commune=kriens)
    assert new.population_basis == figure.residents + 100
    assert new.amount == old.amount + Decimal("125.00")
    assert contributions_booked(year=2021).total_communes == TOTAL_2021 + Decimal("125.00")
    cash = _active(2021, Kind.CANTON_CASH).get()
    assert cash.amount == TOTAL_2021 + Decimal("125.00")
    assert LedgerEntry.objects.filter(kind=Kind.CANTON_CASH, reverses__isnull=False).count() == 1


def test_absorbed_commune_contributes_through_the_absorbing_one(canton_user, kriens):
    """A commune merged before the year: its own figure of year−1 counts for the absorbing one."""
    for commune in Commune.objects.exclude(populations__year=2021):
        population_set(commune=commune, year=2021, residents=1000, source="Test")
    absorbed = Commune.objects.create(
        schema_name="gemeinde_9901",
        bfs_number=9901,
        name="Altdorf bei Kriens",
        slug="altdorf-bei-kriens",
        district="Luzern-Land",
        status=Commune.Status.MERGED,
        merged_into=kriens,
        valid_to=dt.date(2021, 12, 31),
    )
    population_set(commune=absorbed, year=2021, residents=250, source="Test")
    kriens_2021 = PopulationFigure.objects.get(commune=kriens, year=2021).residents
    plan = contributions_calculate(year=2022)
    assert plan.complete
    line = next(line for line in plan.lines if line.commune == kriens)
    assert line.population_basis == kriens_2021 + 250
    assert line.absorbed == ("Altdorf bei Kriens",)
    assert absorbed not in [line.commune for line in plan.lines]
    result = contributions_book(year=2022, booked_by=canton_user)
    assert result.booked == 80
    assert _active(2022).get(commune=kriens).amount == Decimal("2.50") * (kriens_2021 + 250)


def test_year_without_rate_is_refused(canton_user):
    """Without a stored rate nothing is booked."""
    with pytest.raises(Exception, match="kein Beitragsansatz"):
        contributions_book(year=2030, booked_by=canton_user)
    assert not LedgerEntry.objects.exists()
