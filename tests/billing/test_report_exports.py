"""What the exports carry beyond the yearly figures: share digital, the rollout path, the
deliverables, the old Online-Schalter links, every chart as CSV, the embedded font, English."""

import csv
import datetime as dt
import io
import re
import uuid
import zlib
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from billing.charts import CHART_KEYS
from billing.exports_pdf import report_pdf
from billing.models import Category, Deliverable, Kind
from billing.selectors import report_build
from billing.selectors.benefit import usage_by_service
from billing.selectors.report import percent
from billing.services import ledger_entry_book, usage_record_submission
from billing.services.deliverables import deliverable_create, expenditure_link
from catalog.models import OfferSnapshot
from integrations.adapters.documents.font_subsets import FONTS_DIR
from tenants.models import Commune
from tests.billing.test_report import _pdf_text
from tests.billing.test_report import programme as programme

pytestmark = pytest.mark.django_db
ZH = ZoneInfo("Europe/Zurich")


def _order(commune, when: dt.datetime, *, digital: bool, key: str = "umzug") -> None:
    usage_record_submission(
        commune_bfs=commune.bfs_number,
        service_key=key,
        case_id=uuid.uuid4(),
        submitted_at=when,
        digital=digital,
    )


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_share_digital_per_service_and_month(kriens, emmen, public_client):
    """Three online orders and one a clerk recorded make 75.0 % digital in that month; the
    page and its CSV show it; another month and service stay apart."""
    march = dt.datetime(2021, 3, 2, 10, tzinfo=ZH)
    _order(kriens, march, digital=True)
    _order(kriens, march, digital=True)
    _order(emmen, march, digital=True)
    _order(emmen, march, digital=False)
    _order(kriens, dt.datetime(2021, 4, 1, 10, tzinfo=ZH), digital=False)
    _order(kriens, march, digital=True, key="hund-anmelden")
    rows = usage_by_service(start=dt.date(2021, 1, 1), end=dt.date(2022, 1, 1))
    shares = {(r.service_key, f"{r.month:%Y-%m}"): (r.orders, r.share_digital) for r in rows}
    assert shares == {
        ("hund-anmelden", "2021-03"): (1, Decimal("100.0")),
        ("umzug", "2021-03"): (4, Decimal("75.0")),
        ("umzug", "2021-04"): (1, Decimal("0.0")),
    }
    # The commune report counts only online orders as digital cases.
    kriens_row = next(c for c in report_build(year=2021).communes if c.name == "Kriens")
    assert kriens_row.digital_cases == 3
    html = public_client.get("/programme/2021/nutzung/").content.decode()
    assert "Anteil digital" in html and "75.0 %" in html
    table = _csv(public_client.get("/programme/2021/nutzung.csv"))
    assert table[0][:5] == ["Leistung", "Monat", "Bestellungen", "davon online", "Anteil digital %"]
    assert ["umzug", "2021-03", "4", "3", "75.0", "0", ""] in table
    assert public_client.get("/programme/2019/nutzung.csv").status_code == 404


@pytest.fixture
def history(programme, canton_user, kriens, emmen):
    """Kriens reaches 4 of 5 services in 2021-03 (from 1 in 2021-01); a delivered, paid
    connector; Emmen keeps one offer at the old Online-Schalter."""
    services = programme
    OfferSnapshot.objects.create(
        commune=kriens, service=services[0], month=dt.date(2021, 1, 1), stage="form"
    )
    for service in services[1:4]:
        OfferSnapshot.objects.create(
            commune=kriens, service=service, month=dt.date(2021, 3, 1), stage="automated"
        )
    item = deliverable_create(
        kind=Deliverable.Kind.CONNECTOR,
        title="Schnittstelle Einwohnerregister",
        service_key="umzug",
        stage="automated",
        communes=2,
        delivered_on=dt.date(2021, 3, 1),
    )
    entry = ledger_entry_book(
        year=2021,
        kind=Kind.EXPENDITURE,
        category=Category.INTERFACES,
        amount=Decimal("4321.50"),
        text="Rechnung Schnittstelle",
        booked_by=canton_user,
        booking_date=dt.date(2021, 2, 1),
    )
    expenditure_link(entry=entry, deliverable=item)
    return item


def test_xlsx_has_rollout_history_deliverables_and_old_links(history, public_client):
    """A sheet each: the path per month (canton-wide and per commune), the deliverables with
    their cost, the old links per commune."""
    response = public_client.get("/programme/2021/bericht.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    path = list(book["Rollout-Verlauf"].values)
    header = path[0]
    assert header[:4] == ("Monat", "Anteil kantonsweit %", "Ziel %", "Gemeinden am Ziel")
    months = {row[0]: row for row in path[1:]}
    assert list(months)[:3] == ["2021-01", "2021-02", "2021-03"]
    kriens = header.index("Kriens %")
    assert (months["2021-01"][kriens], months["2021-03"][kriens]) == (20, 80)
    assert months["2021-02"][3] == 0 and months["2021-03"][3] == 1
    deliverables = list(book["Ergebnisse"].values)
    assert deliverables[1][0] == "Schnittstelle Einwohnerregister"
    assert Decimal(str(deliverables[1][4])) == Decimal("4321.50")
    links = {row[1]: row[2] for row in list(book["Alte Online-Schalter"].values)[1:]}
    assert (links["Emmen"], links["Kriens"]) == (1, 0)


def test_pdf_has_rollout_history_deliverables_and_old_links(history, kriens):
    """The PDF carries the three sections with their figures."""
    text = _pdf_text(report_pdf(report_build(year=2021)))
    assert "Rollout im Zeitverlauf" in text and "2021-03" in text
    assert "Was das Geld bewirkt hat" in text
    assert "Schnittstelle Einwohnerregister" in text and "4’321.50" in text
    assert "Verbleibende Links auf den bisherigen Online-Schalter" in text


def test_csv_report_has_the_new_sections(history, public_client, emmen):
    """The report CSV carries the path, the deliverables and the old links as well."""
    rows = _csv(public_client.get("/programme/2021/bericht.csv"))
    assert ["Rollout im Zeitverlauf", "2021-03", "1059", "Kriens %", "80.0"] in rows
    assert any(r[0] == "Was das Geld bewirkt hat" and r[4] == "4321.50" for r in rows)
    links = ["Alte Online-Schalter", "Emmen", str(emmen.bfs_number)]
    assert [*links, "Links auf den alten Online-Schalter", "1"] in rows


def test_every_chart_has_its_csv(history, public_client):
    """Each chart's figures download as CSV; the page links them; an unknown chart is 404."""
    html = public_client.get("/programme/2021/").content.decode()
    for key in CHART_KEYS:
        assert f"/programme/2021/grafik-{key}.csv" in html
        table = _csv(public_client.get(f"/programme/2021/grafik-{key}.csv"))
        assert len(table) > 1, key
    income = _csv(public_client.get("/programme/2021/grafik-income.csv"))
    assert income[1] == ["Beiträge der Gemeinden", "520433.75"]
    path = _csv(public_client.get("/programme/2021/grafik-rollout_path.csv"))
    possible = 5 * Commune.objects.filter(status=Commune.Status.ACTIVE).count()
    assert path[3][:4] == ["2021-03", str(percent(4, possible)), "80", "1"]  # Kriens reaches it
    assert public_client.get("/programme/grafik-nichts.csv").status_code == 404


def test_pdf_embeds_the_vendored_liberation_sans(programme, kriens):
    """Both fonts are the vendored files, embedded (no standard font left to the reader)."""
    content = report_pdf(report_build(year=2021))
    programs = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            programs.append(zlib.decompressobj().decompress(stream + b"\r"))
        except zlib.error:
            continue
    objects = content + b"".join(p for p in programs if not p.startswith(b"\x00\x01\x00\x00"))
    assert b"Helvetica" not in objects
    assert objects.count(b"/FontFile2") == 2
    assert b"/BaseFont /LiberationSans" in objects and b"/LiberationSans-Bold" in objects
    for name in ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"):
        assert (FONTS_DIR / name).read_bytes() in programs


def test_programme_pages_in_english(history, public_client):
    """Under English the report, comparison and usage pages, the chart CSV and the PDF speak
    English, with English number formats."""
    public_client.cookies["django_language"] = "en"
    html = public_client.get("/programme/2021/").content.decode()
    assert '<html lang="en"' in html
    assert "Income by source" in html and "Rollout over time" in html
    assert "Contributions of the communes" in html and "520,433.75" in html
    assert "Einnahmen nach Quelle" not in html and "Beiträge der Gemeinden" not in html
    compare = public_client.get("/programme/vergleich/?a=2021&b=2022").content.decode()
    assert "Income: Contributions of the communes" in compare
    usage = public_client.get("/programme/2021/nutzung/").content.decode()
    assert "Share digital" in usage and "Anteil digital" not in usage
    table = _csv(public_client.get("/programme/2021/grafik-cumulative.csv"))
    assert table[0] == ["Period", "Expenditure cumulative CHF", "Budget cumulative CHF"]
    pdf = _pdf_text(public_client.get("/programme/2021/bericht.pdf").content)
    assert "Page 1 of" in pdf and "Rollout over time" in pdf
