import csv
import datetime as dt
import io
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from billing.models import Category, Kind
from billing.selectors import report_build
from billing.services import (
    contributions_book,
    ledger_entry_book,
    usage_record_completion,
    usage_record_submission,
)
from catalog.models import OfferIndex, Service

pytestmark = pytest.mark.django_db
ZH = ZoneInfo("Europe/Zurich")
TOTAL_2021 = Decimal("520433.75")


@pytest.fixture
def programme(canton_user, kriens, emmen):
    """2021 contributions booked, a budget and expenditures, usage in Kriens, offers."""
    contributions_book(year=2021, booked_by=canton_user)
    for category, budget, spent in [
        (Category.PORTAL, "400000.00", "250000.00"),
        (Category.RESERVE, "100000.00", "10000.00"),
    ]:
        ledger_entry_book(
            year=2021,
            kind=Kind.BUDGET,
            category=category,
            amount=Decimal(budget),
            text="Budget",
            booked_by=canton_user,
        )
        ledger_entry_book(
            year=2021,
            kind=Kind.EXPENDITURE,
            category=category,
            amount=Decimal(spent),
            text="Rechnung",
            booked_by=canton_user,
        )
    # Kriens: 4 cases in 2021 (one on a Sunday), 3 completed, 2 automated; one case in 2022.
    times = [dt.datetime(2021, 3, d, 10, 0, tzinfo=ZH) for d in (1, 2, 3)] + [
        dt.datetime(2021, 3, 7, 10, tzinfo=ZH)
    ]
    for index, at in enumerate(times):
        case_id = uuid.uuid4()
        usage_record_submission(
            commune_bfs=kriens.bfs_number, service_key="umzug", case_id=case_id, submitted_at=at
        )
        if index < 3:
            usage_record_completion(
                commune_bfs=kriens.bfs_number,
                service_key="umzug",
                case_id=case_id,
                submitted_at=at,
                completed_at=at + dt.timedelta(hours=1),
                automated=index < 2,
            )
    usage_record_submission(
        commune_bfs=kriens.bfs_number,
        service_key="umzug",
        case_id=uuid.uuid4(),
        submitted_at=dt.datetime(2022, 1, 5, 9, tzinfo=ZH),
    )
    services = [Service.objects.create(key=f"leistung-{i}", level="gemeinde") for i in range(5)]
    Service.objects.create(
        key="alt", level="gemeinde", retired_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    for service in services[:4]:
        OfferIndex.objects.create(commune=kriens, service=service, stage="automated")
    OfferIndex.objects.create(commune=emmen, service=services[0], stage="form")
    OfferIndex.objects.create(commune=emmen, service=services[1], stage="link")
    return services


def test_report_totals_add_up(programme, kriens):
    """Income by source, expenditure against budget, balance and reserve are consistent."""
    report = report_build(year=2021)
    f = report.finance
    income = {r.key: r.amount for r in f.income}
    assert income == {
        Kind.COMMUNE_CONTRIBUTION: TOTAL_2021,
        Kind.CANTON_CASH: TOTAL_2021,
        Kind.CANTON_IN_KIND: Decimal("0.00"),
    }
    assert f.income_total == 2 * TOTAL_2021
    assert f.budget_total == Decimal("500000.00")
    assert f.expenditure_total == Decimal("260000.00")
    assert f.balance == 2 * TOTAL_2021 - Decimal("260000.00")
    assert f.reserve == Decimal("90000.00")
    assert f.unbudgeted == 2 * TOTAL_2021 - Decimal("500000.00")
    assert sum(c.contribution for c in report.communes) == TOTAL_2021
    assert report.total.contribution == TOTAL_2021
    assert len(report.communes) == 80


def test_report_per_commune_benefit(programme, kriens):
    """Kriens 2021: 4 digital cases, 2 of 3 completed automated, 1 of 4 outside office hours."""
    report = report_build(year=2021)
    row = next(c for c in report.communes if c.bfs_number == kriens.bfs_number)
    assert row.digital_cases == 4
    assert row.share_automated == Decimal("66.7")
    assert row.share_outside_office_hours == Decimal("25.0")
    assert row.contribution_per_case == (row.contribution / 4).quantize(Decimal("0.01"))
    assert row.average_processing_hours == Decimal("1.0")
    assert report.total.digital_cases == 4


def test_whole_programme_report_sums_the_years(programme, canton_user):
    """Without a year the report covers every programme year; per-year rows add up."""
    ledger_entry_book(
        year=2023,
        kind=Kind.EXPENDITURE,
        category=Category.INTERFACES,
        amount=Decimal("1000.00"),
        text="x",
        booked_by=canton_user,
    )
    report = report_build()
    assert report.years == (2021, 2022, 2023, 2024, 2025, 2026)
    assert sum(y.income for y in report.by_year) == report.finance.income_total
    assert (
        sum(y.expenditure for y in report.by_year)
        == report.finance.expenditure_total
        == Decimal("261000.00")
    )
    assert report.total.digital_cases == 5


def test_rollout_share_against_the_target(programme, kriens, emmen):
    """Rollout counts non-retired services at stage form or automated; 4 of 5 = 80 % reaches it."""
    report = report_build(year=2021)
    rows = {r.bfs_number: r for r in report.rollout}
    assert report.services_total == 5
    assert (rows[kriens.bfs_number].offered, rows[kriens.bfs_number].share) == (4, Decimal("80.0"))
    assert rows[kriens.bfs_number].target_reached
    assert (rows[emmen.bfs_number].offered, rows[emmen.bfs_number].target_reached) == (1, False)
    assert report.rollout_reached == 1


def test_report_page(programme, public_client):
    """/programme/2021/ shows the figures, accessible SVG charts and download links."""
    response = public_client.get("/programme/2021/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Digitalisierungsfünfliber 2021" in html
    assert "520’433.75" in html
    assert 'role="img"' in html and "<desc" in html
    assert "/programme/2021/bericht.pdf" in html
    # Charts are server-rendered SVG: the only script is the layout's optional portal.js.
    assert html.count("<script") == 1 and "js/portal.js" in html


def test_programme_page_and_unknown_year(public_client):
    """/programme/ covers every programme year; a year outside the programme is a 404."""
    assert public_client.get("/programme/").status_code == 200
    assert public_client.get("/programme/2019/").status_code == 404


def test_csv_download(programme, public_client, kriens):
    """The CSV holds the report figures with decimal points."""
    response = public_client.get("/programme/2021/bericht.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Bereich", "Position", "BFS-Nr.", "Kennzahl", "Wert"]
    assert ["Einnahmen", "Total", "", "CHF", str(2 * TOTAL_2021)] in rows
    assert ["Gemeinden", "Kriens", str(kriens.bfs_number), "Digitale Fälle", "4"] in rows


def test_xlsx_download(programme, public_client):
    """The workbook has a sheet per table and the amounts as numbers."""
    response = public_client.get("/programme/2021/bericht.xlsx")
    assert response.status_code == 200
    assert (
        response["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [
        "Übersicht",
        "Ausgaben",
        "Gemeinden",
        "Rollout",
        "Kumuliert",
        "Einnahmen-Ausgaben",
        "Reserve",
        "Kategorien-Zeitreihe",
        "Rollout-Verlauf",
        "Ergebnisse",
        "Alte Online-Schalter",
    ]
    gemeinden = list(wb["Gemeinden"].values)
    total = gemeinden[-1]
    assert total[1] == "Total"
    assert Decimal(str(total[2])) == TOTAL_2021
    assert len(gemeinden) == 82


def test_pdf_download(programme, public_client):
    """The PDF is a real PDF document containing the report."""
    response = public_client.get("/programme/bericht.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert len(response.content) > 10_000


def _pdf_text(content: bytes) -> str:
    """The text shown on the pages: every (…) string of the compressed content streams."""
    import re
    import zlib

    texts = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:  # tolerant of a line break the pattern above took from the data
            data = zlib.decompressobj().decompress(stream + b"\r")
        except zlib.error:
            data = stream
        for raw in re.findall(rb"\[\((.*?)\)\] TJ", data):
            texts.append(raw.replace(b"\\(", b"(").replace(b"\\)", b")").decode("cp1252"))
    return " ".join(texts)


def test_pdf_holds_the_figures(programme, kriens):
    """The PDF pages carry the title, the totals, the commune rows and the time series."""
    from billing.exports_pdf import report_pdf

    content = report_pdf(report_build(year=2021))
    text = _pdf_text(content)
    assert text.count("Seite ") >= 3
    assert "Digitalisierungsfünfliber 2021" in text
    assert "1’040’867.50" in text
    assert "520’433.75" in text
    assert "Kriens" in text
    assert "Kumulierte Ausgaben gegenüber der Budgetlinie" in text
    assert "Seite 1 von" in text


def test_unknown_download_format_is_404(public_client):
    assert public_client.get("/programme/2021/bericht.doc").status_code == 404
