"""Downloads of the report: CSV (one figure per line), XLSX (one sheet per table), PDF."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone

# Imported with the module (once per process, when the URLs load), not on the first download:
# openpyxl's import alone takes most of a second.
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .charts import report_charts, series_charts, series_tables
from .selectors.report import Report

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _text(value) -> str:
    if value is None:
        return ""
    return str(value)


def report_rows(report: Report) -> list[list]:
    """The report as rows: Bereich, Position, BFS-Nr., Kennzahl, Wert (decimal point)."""
    f = report.finance
    rows: list[list] = [["Bereich", "Position", "BFS-Nr.", "Kennzahl", "Wert"]]
    scope = str(report.year) if report.year else f"{report.years[0]}–{report.years[-1]}"
    rows.append(["Bericht", "Zeitraum", "", "Jahre", scope])
    for r in f.income:
        rows.append(["Einnahmen", r.label, "", "CHF", r.amount])
    rows.append(["Einnahmen", "Total", "", "CHF", f.income_total])
    for r in f.categories:
        rows.append(["Ausgaben", r.label, "", "Budget CHF", r.budget])
        rows.append(["Ausgaben", r.label, "", "Ausgaben CHF", r.spent])
        rows.append(["Ausgaben", r.label, "", "Verbleibend CHF", r.remaining])
    rows.append(["Ausgaben", "Total", "", "Budget CHF", f.budget_total])
    rows.append(["Ausgaben", "Total", "", "Ausgaben CHF", f.expenditure_total])
    rows.append(["Saldo", "Einnahmen minus Ausgaben", "", "CHF", f.balance])
    rows.append(["Saldo", "Reserve (nicht verwendet)", "", "CHF", f.reserve])
    rows.append(["Saldo", "Nicht budgetiert", "", "CHF", f.unbudgeted])
    for y in report.by_year:
        rows.append(["Jahre", str(y.year), "", "Einnahmen CHF", y.income])
        rows.append(["Jahre", str(y.year), "", "Ausgaben CHF", y.expenditure])
        rows.append(["Jahre", str(y.year), "", "Saldo CHF", y.balance])
    for c in [*report.communes, report.total]:
        bfs = c.bfs_number or ""
        rows.append(["Gemeinden", c.name, bfs, "Beitrag CHF", c.contribution])
        rows.append(["Gemeinden", c.name, bfs, "Digitale Fälle", c.digital_cases])
        rows.append(["Gemeinden", c.name, bfs, "Anteil automatisiert %", c.share_automated])
        rows.append(
            [
                "Gemeinden",
                c.name,
                bfs,
                "Anteil ausserhalb Bürozeiten %",
                c.share_outside_office_hours,
            ]
        )
        rows.append(
            ["Gemeinden", c.name, bfs, "Beitrag pro digitalen Fall CHF", c.contribution_per_case]
        )
    for r in report.rollout:
        rows.append(
            ["Rollout", r.name, r.bfs_number, "Leistungen Formular/automatisiert", r.offered]
        )
        rows.append(["Rollout", r.name, r.bfs_number, "Anteil %", r.share])
    return rows + _series_rows(report)


def table_csv(table: dict) -> bytes:
    """One chart's table as UTF-8 CSV with BOM: header row, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table["headers"])
    for row in table["rows"]:
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _series_rows(report: Report) -> list[list]:
    rows = []
    for key, table in series_tables(report.series).items():
        for row in table["rows"]:
            for header, value in zip(table["headers"][1:], row[1:], strict=True):
                rows.append(["Zeitreihe " + key, row[0], "", header, value])
    return rows


def report_csv(report: Report) -> bytes:
    """UTF-8 CSV with BOM (opens correctly in Excel), comma separated, decimal point."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in report_rows(report):
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def report_xlsx(report: Report) -> bytes:
    """A workbook with the sheets Übersicht, Ausgaben, Gemeinden and Rollout."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in {**_xlsx_sheets(report), **_xlsx_series_sheets(report)}.items():
        _xlsx_sheet(wb, title, rows)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _xlsx_overview(report: Report) -> list[list]:
    f = report.finance
    return [
        ["Digitalisierungsfünfliber", report.title],
        [],
        ["Einnahmen nach Quelle", "CHF"],
        *[[r.label, r.amount] for r in f.income],
        ["Total Einnahmen", f.income_total],
        ["Total Ausgaben", f.expenditure_total],
        ["Saldo (Einnahmen minus Ausgaben)", f.balance],
        ["Reserve (nicht verwendet)", f.reserve],
        ["Nicht budgetiert", f.unbudgeted],
        *([[], ["Jahr", "Einnahmen", "Budget", "Ausgaben", "Saldo"]] if report.by_year else []),
        *[[y.year, y.income, y.budget, y.expenditure, y.balance] for y in report.by_year],
    ]


def _xlsx_sheets(report: Report) -> dict[str, list[list]]:
    f = report.finance
    return {
        "Übersicht": _xlsx_overview(report),
        "Ausgaben": [
            ["Kategorie", "Budget CHF", "Ausgaben CHF", "Verbleibend CHF", "Ausgeschöpft %"],
            *[[r.label, r.budget, r.spent, r.remaining, r.share_spent] for r in f.categories],
            ["Total", f.budget_total, f.expenditure_total, f.budget_total - f.expenditure_total],
        ],
        "Gemeinden": [
            [
                "BFS-Nr.",
                "Gemeinde",
                "Beitrag CHF",
                "Digitale Fälle",
                "Anteil automatisiert %",
                "Anteil ausserhalb Bürozeiten %",
                "Beitrag pro digitalen Fall CHF",
            ],
            *[
                [
                    c.bfs_number or None,
                    c.name,
                    c.contribution,
                    c.digital_cases,
                    c.share_automated,
                    c.share_outside_office_hours,
                    c.contribution_per_case,
                ]
                for c in [*report.communes, report.total]
            ],
        ],
        "Rollout": [
            [
                "BFS-Nr.",
                "Gemeinde",
                "Leistungen Formular/automatisiert",
                "Leistungen Katalog",
                "Anteil %",
            ],
            *[[r.bfs_number, r.name, r.offered, r.services, r.share] for r in report.rollout],
        ],
    }


def _xlsx_series_sheets(report: Report) -> dict[str, list[list]]:
    names = {
        "cumulative": "Kumuliert",
        "income_spend": "Einnahmen-Ausgaben",
        "reserve": "Reserve",
        "categories": "Kategorien-Zeitreihe",
    }
    return {
        names[key]: [table["headers"], *table["rows"]]
        for key, table in series_tables(report.series).items()
    }


def _xlsx_sheet(wb, title: str, rows: list[list]) -> None:
    """One sheet: bold header row, amounts with two places as money, wide name columns."""
    ws = wb.create_sheet(title)
    for row in rows:
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows():
        for cell in row:
            if (
                isinstance(cell.value, Decimal)
                and cell.value == cell.value.quantize(Decimal("0.01"))
                and cell.value.as_tuple().exponent == -2
            ):
                cell.number_format = "#,##0.00"
    for index in range(1, ws.max_column + 1):
        ws.column_dimensions[get_column_letter(index)].width = 34 if index <= 2 else 20


def report_pdf_document(report: Report):
    """The laid-out WeasyPrint document of the report (A4, DejaVu fonts)."""
    from weasyprint import HTML

    html = render_to_string(
        "billing/report_pdf.html",
        {
            "report": report,
            "charts": report_charts(report),
            "series_charts": series_charts(report.series),
            "series_tables": series_tables(report.series),
            "now": timezone.now(),
        },
    )
    return HTML(string=html).render()


def _pdf_finance(canvas, report: Report) -> None:
    f = report.finance
    canvas.heading("Einnahmen nach Quelle")
    canvas.bars([r.label for r in f.income], [("Einnahmen", [r.amount for r in f.income])], "CHF")
    canvas.table(
        ["Quelle", "Betrag (CHF)"],
        [*[[r.label, r.amount] for r in f.income], ["Total Einnahmen", f.income_total]],
        ["CHF"],
    )
    canvas.heading("Ausgaben nach Kategorie im Vergleich zum Budget")
    canvas.bars(
        [r.label for r in f.categories],
        [
            ("Budget", [r.budget for r in f.categories]),
            ("Ausgaben", [r.spent for r in f.categories]),
        ],
        "CHF",
    )
    canvas.table(
        ["Kategorie", "Budget (CHF)", "Ausgaben (CHF)", "Verbleibend (CHF)", "Ausgeschöpft"],
        [
            *[[r.label, r.budget, r.spent, r.remaining, r.share_spent] for r in f.categories],
            [
                "Total",
                f.budget_total,
                f.expenditure_total,
                f.budget_total - f.expenditure_total,
                None,
            ],
        ],
        ["CHF", "CHF", "CHF", "%"],
    )
    canvas.heading("Saldo und Reserve")
    canvas.table(
        ["Position", "CHF"],
        [
            ["Saldo (Einnahmen minus Ausgaben)", f.balance],
            ["Reserve (budgetiert, nicht verwendet)", f.reserve],
            ["Noch nicht budgetiert", f.unbudgeted],
            *[[f"Jahr {y.year}: Einnahmen / Ausgaben", y.balance] for y in report.by_year],
        ],
        ["CHF"],
    )


def _pdf_series(canvas, report: Report) -> None:
    tables = series_tables(report.series)
    labels = [p.key for p in report.series.periods]
    canvas.heading("Entwicklung über die Zeit")
    canvas.paragraph(
        ("Pro Monat" if report.year else "Pro Quartal")
        + " nach Buchungsdatum; kumulierte Werte seit Beginn des Programms."
    )
    for key in ("cumulative", "income_spend", "reserve"):
        table = tables[key]
        canvas.heading(table["title"], size=10)
        columns = list(zip(*table["rows"], strict=True)) if table["rows"] else [[], [], []]
        canvas.lines(
            labels,
            [(table["headers"][i], list(columns[i])) for i in (1, 2)],
            "CHF",
        )
        canvas.table(table["headers"], table["rows"], ["CHF", "CHF"])
    table = tables["categories"]
    canvas.heading(table["title"], size=10)
    canvas.table(table["headers"], table["rows"], ["CHF"] * (len(table["headers"]) - 1))


def _pdf_communes(canvas, report: Report) -> None:
    canvas.heading("Was die Gemeinden für ihren Beitrag erhalten")
    canvas.table(
        [
            "Gemeinde",
            "Beitrag (CHF)",
            "Digitale Fälle",
            "automatisiert",
            "ausserh. Bürozeiten",
            "CHF pro Fall",
        ],
        [
            [
                c.name,
                c.contribution,
                c.digital_cases,
                c.share_automated,
                c.share_outside_office_hours,
                c.contribution_per_case,
            ]
            for c in [*report.communes, report.total]
        ],
        ["CHF", "", "%", "%", "CHF"],
    )
    canvas.heading("Rollout in den Gemeinden")
    canvas.paragraph(
        f"Anteil der {report.services_total} Leistungen des kantonalen Katalogs mit Formular "
        f"oder automatisiert; Ziel {report.rollout_target} %. {report.rollout_reached} von "
        f"{len(report.rollout)} Gemeinden erreichen es."
    )
    canvas.bars(
        [r.name for r in report.rollout],
        [("Anteil", [r.share for r in report.rollout])],
        "%",
        maximum=Decimal(100),
        target=report.rollout_target,
    )
    canvas.table(
        ["Gemeinde", "Leistungen Formular/automatisiert", "Anteil"],
        [[r.name, r.offered, r.share] for r in report.rollout],
        ["", "%"],
    )


def report_pdf(report: Report) -> bytes:
    """A printable A4 PDF with the charts and tables (drawn directly, see ``pdf_report``)."""
    from .pdf_report import BLUE, LEFT, Canvas

    canvas = Canvas()
    canvas.y -= 16
    canvas.text(LEFT, canvas.y, report.title, size=16, bold=True, colour=BLUE)
    canvas.y -= 14
    canvas.text(
        LEFT,
        canvas.y,
        "Kostentransparenz und Nutzen des Einwohnerportals Luzern · Stand "
        + timezone.localtime().strftime("%d.%m.%Y %H:%M"),
        size=8,
    )
    canvas.y -= 6
    _pdf_finance(canvas, report)
    _pdf_series(canvas, report)
    _pdf_communes(canvas, report)
    return canvas.write()
