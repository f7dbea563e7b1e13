"""Downloads of the report: CSV (one figure per line), XLSX (one sheet per table); the PDF is
``exports_pdf``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

# Imported with the module (once per process, when the URLs load), not on the first download:
# openpyxl's import alone takes most of a second.
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .charts import (
    report_tables,
    rollout_path_table,
    series_tables,
)
from .selectors.benefit import DeliverableRow, deliverables_report
from .selectors.report import Report
from .selectors.rollout import OldLinks, RolloutPath, old_links_per_commune, rollout_history

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class ReportExtras:
    """What the exports carry beside the yearly figures: the rollout path per month, the
    deliverables and the old Online-Schalter links per commune."""

    history: RolloutPath
    deliverables: list[DeliverableRow]
    old_links: list[OldLinks]


def report_extras(report: Report) -> ReportExtras:
    """The rollout history over the report's years, the deliverables, the old links today."""
    return ReportExtras(
        history=rollout_history(years=report.years),
        deliverables=deliverables_report(),
        old_links=old_links_per_commune(),
    )


def deliverables_table(rows: list[DeliverableRow]) -> dict:
    """Per deliverable: what it was, when, its cost and what it changed."""
    return {
        "title": _("Was das Geld bewirkt hat"),
        "headers": [
            _("Ergebnis"),
            _("Art"),
            _("geliefert"),
            _("Gemeinden"),
            _("Kosten CHF"),
            _("Digitale Fälle seither"),
            _("Anteil automatisiert vorher %"),
            _("Anteil automatisiert nachher %"),
        ],
        "rows": [
            [
                r.deliverable.title,
                str(r.deliverable.get_kind_display()),
                r.deliverable.delivered_on.isoformat(),
                r.deliverable.communes,
                r.cost,
                r.cases_after,
                r.share_automated_before,
                r.share_automated_after,
            ]
            for r in rows
        ],
    }


def old_links_table(rows: list[OldLinks]) -> dict:
    """Per active commune: offers still linking to the old Online-Schalter."""
    return {
        "title": _("Verbleibende Links auf den bisherigen Online-Schalter"),
        "headers": [_("BFS-Nr."), _("Gemeinde"), _("Links auf den alten Online-Schalter")],
        "rows": [[r.bfs_number, r.name, r.links] for r in rows],
    }


def commune_figures(row) -> list:
    """A commune's (or the total's) figures in the downloads' commune table: name, contribution,
    digital cases, shares automated and outside office hours, contribution per case."""
    return [
        row.name if row.bfs_number else _("Total"),
        row.contribution,
        row.digital_cases,
        row.share_automated,
        row.share_outside_office_hours,
        row.contribution_per_case,
    ]


def _text(value) -> str:
    if value is None:
        return ""
    return str(value)


def report_rows(report: Report, extras: ReportExtras | None = None) -> list[list]:
    """The report as rows: Bereich, Position, BFS-Nr., Kennzahl, Wert (decimal point)."""
    f = report.finance
    chf, share = _("CHF"), _("Anteil %")
    rows: list[list] = [[_("Bereich"), _("Position"), _("BFS-Nr."), _("Kennzahl"), _("Wert")]]
    scope = str(report.year) if report.year else f"{report.years[0]}–{report.years[-1]}"
    rows.append([_("Bericht"), _("Zeitraum"), "", _("Jahre"), scope])
    income, spending, balance = _("Einnahmen"), _("Ausgaben"), _("Saldo")
    for r in f.income:
        rows.append([income, r.label, "", chf, r.amount])
    rows.append([income, _("Total"), "", chf, f.income_total])
    for r in f.categories:
        rows.append([spending, r.label, "", _("Budget CHF"), r.budget])
        rows.append([spending, r.label, "", _("Ausgaben CHF"), r.spent])
        rows.append([spending, r.label, "", _("Verbleibend CHF"), r.remaining])
    rows.append([spending, _("Total"), "", _("Budget CHF"), f.budget_total])
    rows.append([spending, _("Total"), "", _("Ausgaben CHF"), f.expenditure_total])
    rows.append([balance, _("Einnahmen minus Ausgaben"), "", chf, f.balance])
    rows.append([balance, _("Reserve (nicht verwendet)"), "", chf, f.reserve])
    rows.append([balance, _("Nicht budgetiert"), "", chf, f.unbudgeted])
    for y in report.by_year:
        rows.append([_("Jahre"), str(y.year), "", _("Einnahmen CHF"), y.income])
        rows.append([_("Jahre"), str(y.year), "", _("Ausgaben CHF"), y.expenditure])
        rows.append([_("Jahre"), str(y.year), "", _("Saldo CHF"), y.balance])
    communes = _("Gemeinden")
    for c in [*report.communes, report.total]:
        bfs = c.bfs_number or ""
        name = c.name if bfs else _("Total")
        rows.append([communes, name, bfs, _("Beitrag CHF"), c.contribution])
        rows.append([communes, name, bfs, _("Digitale Fälle"), c.digital_cases])
        rows.append([communes, name, bfs, _("Anteil automatisiert %"), c.share_automated])
        rows.append(
            [communes, name, bfs, _("Anteil ausserhalb Bürozeiten %"), c.share_outside_office_hours]
        )
        rows.append(
            [communes, name, bfs, _("Beitrag pro digitalen Fall CHF"), c.contribution_per_case]
        )
    for r in report.rollout:
        rows.append(
            [_("Rollout"), r.name, r.bfs_number, _("Leistungen Formular/automatisiert"), r.offered]
        )
        rows.append([_("Rollout"), r.name, r.bfs_number, share, r.share])
    return rows + _series_rows(report) + _extras_rows(extras or report_extras(report))


def _extras_rows(extras: ReportExtras) -> list[list]:
    rows = []
    path, history = extras.history, _("Rollout im Zeitverlauf")
    reaching = path.reaching()
    for i, month in enumerate(path.months):
        key = f"{month:%Y-%m}"
        rows.append([history, key, "", _("Anteil kantonsweit %"), path.canton[i]])
        rows.append([history, key, "", _("Gemeinden am Ziel"), reaching[i]])
        for c in path.communes:
            rows.append([history, key, c.bfs_number, f"{c.name} %", c.shares[i]])
    table = deliverables_table(extras.deliverables)
    for row in table["rows"]:
        for header, value in zip(table["headers"][1:], row[1:], strict=True):
            rows.append([table["title"], row[0], "", header, value])
    links = _("Links auf den alten Online-Schalter")
    for r in extras.old_links:
        rows.append([_("Alte Online-Schalter"), r.name, r.bfs_number, links, r.links])
    return rows


def table_csv(table: dict) -> bytes:
    """One chart's table as UTF-8 CSV with BOM: header row, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(h) for h in table["headers"]])
    for row in table["rows"]:
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _series_rows(report: Report) -> list[list]:
    rows = []
    for key, table in series_tables(report.series).items():
        for row in table["rows"]:
            for header, value in zip(table["headers"][1:], row[1:], strict=True):
                rows.append([_("Zeitreihe") + " " + key, row[0], "", header, value])
    return rows


def report_csv(report: Report, extras: ReportExtras | None = None) -> bytes:
    """UTF-8 CSV with BOM (opens correctly in Excel), comma separated, decimal point."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in report_rows(report, extras):
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def report_xlsx(report: Report, extras: ReportExtras | None = None) -> bytes:
    """A workbook with one sheet per table: overview, expenditure, communes, rollout, the time
    series, the rollout path per month, the deliverables and the old Online-Schalter links."""
    extras = extras or report_extras(report)
    wb = Workbook()
    wb.remove(wb.active)
    sheets = {
        **_xlsx_sheets(report),
        **_xlsx_series_sheets(report),
        **_xlsx_extras_sheets(extras),
    }
    for title, rows in sheets.items():
        _xlsx_sheet(wb, title, rows)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _xlsx_overview(report: Report) -> list[list]:
    f = report.finance
    return [
        [_("Digitalisierungsfünfliber"), report.title],
        [],
        [_("Einnahmen nach Quelle"), _("CHF")],
        *[[r.label, r.amount] for r in f.income],
        [_("Total Einnahmen"), f.income_total],
        [_("Total Ausgaben"), f.expenditure_total],
        [_("Saldo (Einnahmen minus Ausgaben)"), f.balance],
        [_("Reserve (nicht verwendet)"), f.reserve],
        [_("Nicht budgetiert"), f.unbudgeted],
        *(
            [[], [_("Jahr"), _("Einnahmen"), _("Budget"), _("Ausgaben"), _("Saldo")]]
            if report.by_year
            else []
        ),
        *[[y.year, y.income, y.budget, y.expenditure, y.balance] for y in report.by_year],
    ]


def _xlsx_sheets(report: Report) -> dict[str, list[list]]:
    f = report.finance
    rollout = report_tables(report)["rollout"]
    return {
        _("Übersicht"): _xlsx_overview(report),
        _("Ausgaben"): [
            [
                _("Kategorie"),
                _("Budget CHF"),
                _("Ausgaben CHF"),
                _("Verbleibend CHF"),
                _("Ausgeschöpft %"),
            ],
            *[[r.label, r.budget, r.spent, r.remaining, r.share_spent] for r in f.categories],
            [_("Total"), f.budget_total, f.expenditure_total, f.budget_total - f.expenditure_total],
        ],
        _("Gemeinden"): [
            [
                _("BFS-Nr."),
                _("Gemeinde"),
                _("Beitrag CHF"),
                _("Digitale Fälle"),
                _("Anteil automatisiert %"),
                _("Anteil ausserhalb Bürozeiten %"),
                _("Beitrag pro digitalen Fall CHF"),
            ],
            *[
                [c.bfs_number or None, *commune_figures(c)]
                for c in [*report.communes, report.total]
            ],
        ],
        _("Rollout"): [rollout["headers"], *rollout["rows"]],
    }


def _xlsx_series_sheets(report: Report) -> dict[str, list[list]]:
    names = {
        "cumulative": _("Kumuliert"),
        "income_spend": _("Einnahmen-Ausgaben"),
        "reserve": _("Reserve"),
        "categories": _("Kategorien-Zeitreihe"),
    }
    return {
        names[key]: [table["headers"], *table["rows"]]
        for key, table in series_tables(report.series).items()
    }


def _xlsx_extras_sheets(extras: ReportExtras) -> dict[str, list[list]]:
    path = rollout_path_table(extras.history)
    deliverables = deliverables_table(extras.deliverables)
    links = old_links_table(extras.old_links)
    return {
        _("Rollout-Verlauf"): [path["headers"], *path["rows"]],
        _("Ergebnisse"): [deliverables["headers"], *deliverables["rows"]],
        _("Alte Online-Schalter"): [links["headers"], *links["rows"]],
    }


def _xlsx_sheet(wb, title: str, rows: list[list]) -> None:
    """One sheet: bold header row, amounts with two places as money, wide name columns."""
    ws = wb.create_sheet(title[:31])  # Excel's limit for sheet names
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
