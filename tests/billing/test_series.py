"""The ledger over time: programme years as data, booking dates, monthly/quarterly series."""

import datetime as dt
from decimal import Decimal

import pytest

from billing.models import Category, Kind, LedgerEntry, Phase, ProgrammeYear
from billing.selectors.series import QUARTER, series_build, series_for_years
from billing.selectors.years import programme_years
from billing.services import BillingError, ledger_entry_book, ledger_entry_reverse

pytestmark = pytest.mark.django_db


def _book(user, *, year, kind, amount, date, category=Category.PORTAL, text="Rechnung"):
    return ledger_entry_book(
        year=year,
        kind=kind,
        category=category if kind in (Kind.EXPENDITURE, Kind.BUDGET) else "",
        amount=Decimal(amount),
        text=text,
        booked_by=user,
        booking_date=date,
    )


@pytest.fixture
def bookings(canton_user):
    """Budgets and expenditures spread over 2024–2026, one contribution in kind in 2026."""
    _book(canton_user, year=2024, kind=Kind.BUDGET, amount="1000.00", date=dt.date(2024, 1, 5))
    _book(canton_user, year=2024, kind=Kind.EXPENDITURE, amount="300.00", date=dt.date(2024, 11, 3))
    _book(canton_user, year=2026, kind=Kind.BUDGET, amount="5000.00", date=dt.date(2026, 1, 2))
    _book(canton_user, year=2026, kind=Kind.EXPENDITURE, amount="100.00", date=dt.date(2026, 2, 27))
    _book(canton_user, year=2026, kind=Kind.EXPENDITURE, amount="250.50", date=dt.date(2026, 5, 1))
    _book(
        canton_user,
        year=2026,
        kind=Kind.EXPENDITURE,
        amount="40.00",
        date=dt.date(2026, 12, 31),
        category=Category.RESERVE,
    )
    _book(
        canton_user, year=2026, kind=Kind.CANTON_IN_KIND, amount="700.00", date=dt.date(2026, 3, 1)
    )


def test_programme_years_are_data_and_include_the_operations_phase():
    """2021–2024 realisation and 2025–2026 operations are rows; a new row is a new year."""
    assert programme_years() == (2021, 2022, 2023, 2024, 2025, 2026)
    operations = ProgrammeYear.objects.get(year=2025)
    assert operations.phase == Phase.OPERATIONS
    assert operations.operating_costs == Decimal("1600000.00")
    ProgrammeYear.objects.create(year=2027, phase=Phase.OPERATIONS)
    assert programme_years()[-1] == 2027


def test_a_booking_in_2026_carries_its_booking_date(canton_user):
    """An expenditure of 2026 is booked (no release needed) with the date the money moved."""
    entry = _book(
        canton_user, year=2026, kind=Kind.EXPENDITURE, amount="1234.55", date=dt.date(2026, 4, 9)
    )
    entry.refresh_from_db()
    assert (entry.year, entry.booking_date, entry.amount) == (
        2026,
        dt.date(2026, 4, 9),
        Decimal("1234.55"),
    )


def test_a_booking_date_outside_the_year_is_refused(canton_user):
    """The booking date must lie in the booking's year; nothing is booked otherwise."""
    with pytest.raises(BillingError) as info:
        _book(
            canton_user,
            year=2026,
            kind=Kind.EXPENDITURE,
            amount="10.00",
            date=dt.date(2025, 12, 31),
        )
    assert "Buchungsdatum muss im Jahr 2026" in str(info.value.message_dict["booking_date"])
    assert not LedgerEntry.objects.exists()


def test_a_year_outside_the_programme_is_refused(canton_user):
    """A year without a ProgrammeYear row cannot be booked."""
    with pytest.raises(BillingError) as info:
        _book(canton_user, year=2031, kind=Kind.BUDGET, amount="10.00", date=None)
    assert "2021–2026" in str(info.value.message_dict["year"])
    assert not LedgerEntry.objects.exists()


def test_a_reversal_of_an_old_year_stays_in_that_year(canton_user):
    """Reversing a 2024 entry books into 2024 (the last day at the latest)."""
    entry = _book(
        canton_user, year=2024, kind=Kind.EXPENDITURE, amount="50.00", date=dt.date(2024, 6, 1)
    )
    reversal = ledger_entry_reverse(entry=entry, booked_by=canton_user)
    assert reversal.booking_date.year == 2024


def test_operations_year_canton_share_follows_the_key(bookings):
    """2026 is an operations year: the canton's cash tops its in-kind share up to the key's
    50 % of the operating costs."""
    canton = {
        e.kind: e.amount
        for e in LedgerEntry.objects.filter(
            year=2026, kind__in=[Kind.CANTON_CASH, Kind.CANTON_IN_KIND], reversed_by__isnull=True
        )
    }
    assert canton == {
        Kind.CANTON_CASH: Decimal("799300.00"),
        Kind.CANTON_IN_KIND: Decimal("700.00"),
    }


def test_monthly_series_follow_the_booking_date(bookings):
    """Each booking lands in the month of its booking date, per category and in total."""
    series = series_build(start=dt.date(2026, 1, 1), end=dt.date(2027, 1, 1))
    assert [p.key for p in series.periods][:3] == ["2026-01", "2026-02", "2026-03"]
    portal = next(c for c in series.categories if c.key == Category.PORTAL)
    spent = {p.period.key: p.spent for p in portal.points if p.spent}
    assert spent == {"2026-02": Decimal("100.00"), "2026-05": Decimal("250.50")}
    assert series.total.points[2].income == Decimal("700.00")  # in kind, 1 March
    assert series.total.sum("income") == Decimal("800000.00")  # + the cash share, booked today
    assert portal.points[0].income is None  # income belongs to no category


def test_quarterly_series_sum_to_the_yearly_totals(bookings):
    """The four quarters of 2026 add up to the year's budget, spending and income."""
    quarters = series_build(start=dt.date(2026, 1, 1), end=dt.date(2027, 1, 1), by=QUARTER)
    assert [p.key for p in quarters.periods] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    year_spent = sum(e.amount for e in LedgerEntry.objects.filter(year=2026, kind=Kind.EXPENDITURE))
    assert quarters.total.sum("spent") == year_spent == Decimal("390.50")
    assert quarters.total.sum("budget") == Decimal("5000.00")
    # operations phase: the canton's 50 % of CHF 1.6 million, 700 of it in kind
    assert quarters.total.sum("income") == Decimal("800000.00")
    reserve = quarters.reserve
    assert [p.spent for p in reserve.points] == [0, 0, 0, Decimal("40.00")]


def test_cumulative_line_counts_from_the_programme_start(bookings):
    """Cumulative spending starts with what was spent before ``start`` and only grows."""
    series = series_build(start=dt.date(2026, 1, 1), end=dt.date(2027, 1, 1))
    cumulative = [p.cumulative_spent for p in series.total.points]
    assert cumulative[0] == Decimal("300.00")  # the 2024 expenditure
    assert cumulative[1] == Decimal("400.00")
    assert cumulative[-1] == Decimal("690.50")
    assert cumulative == sorted(cumulative)
    assert series.total.points[-1].cumulative_budget == Decimal("6000.00")


def test_series_over_programme_years(bookings):
    """Over all years by quarter: 24 quarters, the total equals all expenditures."""
    series = series_for_years(years=programme_years(), by=QUARTER)
    assert len(series.periods) == 24
    assert series.total.sum("spent") == Decimal("690.50")


def test_series_api_contract(bookings, public_client):
    """GET /api/programme/series/ → per category and total: budget, spent, income,
    cumulative_spent (decimal strings)."""
    response = public_client.get("/api/programme/series/?from=2021-01&to=2026-12&by=quarter")
    assert response.status_code == 200
    data = response.json()
    assert data["by"] == "quarter"
    assert len(data["periods"]) == 24
    assert [c["key"] for c in data["categories"]] == list(Category.values)
    last = data["total"]["points"][-1]
    assert {"budget", "spent", "income", "cumulative_spent"} <= set(last)
    assert last["period"] == "2026-Q4"
    assert last["cumulative_spent"] == "690.50"
    q1 = data["total"]["points"][-4]
    assert (q1["budget"], q1["spent"], q1["income"]) == ("5000.00", "100.00", "700.00")
    monthly = public_client.get("/api/programme/series/?from=2026-02&to=2026-02").json()
    assert monthly["periods"] == ["2026-02"]
    assert monthly["total"]["points"][0]["spent"] == "100.00"


@pytest.mark.parametrize(
    "query, field",
    [
        ("from=2021-13&to=2026-12", "from"),
        ("from=2021-1&to=2026-12", "from"),
        ("from=2021-01", "to"),
        ("from=&to=2026-12", "from"),
        ("from=2026-01&to=2021-12", "to"),
        ("from=2021-01&to=2026-12&by=week", "by"),
        ("from=1999-01&to=2070-12", "to"),
    ],
)
def test_series_api_refuses_bad_parameters(public_client, query, field):
    """Bad parameters: 400 with a German message under the parameter's name."""
    response = public_client.get(f"/api/programme/series/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert field in response.json()


def test_report_page_shows_time_charts_with_tables_and_csv(bookings, public_client):
    """/programme/2026/: the three time charts (SVG) each with its table and a CSV link."""
    response = public_client.get("/programme/2026/")
    assert response.status_code == 200
    html = response.content.decode()
    for chart in ("chart-cumulative", "chart-income-spend", "chart-reserve"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in html
    assert "Kumulierte Ausgaben gegenüber der Budgetlinie" in html
    assert "/programme/2026/grafik-cumulative.csv" in html
    assert "2021–2026 gesamt" in html
    csv_text = public_client.get("/programme/2026/grafik-cumulative.csv").content.decode(
        "utf-8-sig"
    )
    lines = csv_text.splitlines()
    assert lines[0] == "Periode,Ausgaben kumuliert CHF,Budget kumuliert CHF"
    assert lines[-1] == "2026-12,690.50,6000.00"
    assert public_client.get("/programme/2026/grafik-nichts.csv").status_code == 404


def test_every_export_carries_the_series(bookings, public_client):
    """CSV rows "Zeitreihe …" and XLSX sheets for the charts' data."""
    from io import BytesIO

    from openpyxl import load_workbook

    text = public_client.get("/programme/2026/bericht.csv").content.decode("utf-8-sig")
    assert "Zeitreihe cumulative,2026-12,,Ausgaben kumuliert CHF,690.50" in text
    book = load_workbook(BytesIO(public_client.get("/programme/2026/bericht.xlsx").content))
    assert {"Kumuliert", "Einnahmen-Ausgaben", "Reserve", "Kategorien-Zeitreihe"} <= set(
        book.sheetnames
    )
    assert book["Kumuliert"]["B13"].value == Decimal("690.50") or book["Kumuliert"][
        "B13"
    ].value == pytest.approx(690.5)


def test_the_public_compares_two_years(bookings, public_client):
    """/programme/vergleich/?a=2024&b=2026: both years' figures and the change."""
    response = public_client.get("/programme/vergleich/?a=2024&b=2026")
    assert response.status_code == 200
    html = response.content.decode()
    assert "2024 und 2026 im Vergleich" in html
    assert "300.00" in html and "390.50" in html and "90.50" in html


def test_compare_refuses_a_year_outside_the_programme(public_client):
    """An unknown year: 400 with the German message, no comparison table."""
    response = public_client.get("/programme/vergleich/?a=2019&b=2026")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Das Jahr muss im Programm liegen (2021–2026)." in html
    assert "im Vergleich" not in html
