"""The report as a printable A4 PDF (``report_pdf``): the figures, charts and tables of the
other downloads (``exports``), drawn directly with ``pdf_report.Canvas``."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from .charts import series_tables
from .exports import (
    ReportExtras,
    commune_figures,
    deliverables_table,
    old_links_table,
    report_extras,
)
from .selectors.report import Report


def _pdf_finance(canvas, report: Report) -> None:
    f = report.finance
    canvas.heading(_("Einnahmen nach Quelle"))
    canvas.bars(
        [r.label for r in f.income], [(_("Einnahmen"), [r.amount for r in f.income])], "CHF"
    )
    canvas.table(
        [_("Quelle"), _("Betrag (CHF)")],
        [*[[r.label, r.amount] for r in f.income], [_("Total Einnahmen"), f.income_total]],
        ["CHF"],
    )
    canvas.heading(_("Ausgaben nach Kategorie im Vergleich zum Budget"))
    canvas.bars(
        [r.label for r in f.categories],
        [
            (_("Budget"), [r.budget for r in f.categories]),
            (_("Ausgaben"), [r.spent for r in f.categories]),
        ],
        "CHF",
    )
    canvas.table(
        [
            _("Kategorie"),
            _("Budget (CHF)"),
            _("Ausgaben (CHF)"),
            _("Verbleibend (CHF)"),
            _("Ausgeschöpft"),
        ],
        [
            *[[r.label, r.budget, r.spent, r.remaining, r.share_spent] for r in f.categories],
            [
                _("Total"),
                f.budget_total,
                f.expenditure_total,
                f.budget_total - f.expenditure_total,
                None,
            ],
        ],
        ["CHF", "CHF", "CHF", "%"],
    )
    canvas.heading(_("Saldo und Reserve"))
    canvas.table(
        [_("Position"), _("CHF")],
        [
            [_("Saldo (Einnahmen minus Ausgaben)"), f.balance],
            [_("Reserve (budgetiert, nicht verwendet)"), f.reserve],
            [_("Noch nicht budgetiert"), f.unbudgeted],
            *[
                [_("Jahr %(year)s: Einnahmen / Ausgaben") % {"year": y.year}, y.balance]
                for y in report.by_year
            ],
        ],
        ["CHF"],
    )


def _pdf_series(canvas, report: Report) -> None:
    tables = series_tables(report.series)
    labels = [p.key for p in report.series.periods]
    canvas.heading(_("Entwicklung über die Zeit"))
    canvas.paragraph(
        (
            _("Pro Monat nach Buchungsdatum.")
            if report.year
            else _("Pro Quartal nach Buchungsdatum.")
        )
        + " "
        + _("Kumulierte Werte zählen seit Beginn des Programms.")
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
    canvas.heading(_("Was die Gemeinden für ihren Beitrag erhalten"))
    canvas.table(
        [
            _("Gemeinde"),
            _("Beitrag (CHF)"),
            _("Digitale Fälle"),
            _("automatisiert"),
            _("ausserh. Bürozeiten"),
            _("CHF pro Fall"),
        ],
        [commune_figures(c) for c in [*report.communes, report.total]],
        ["CHF", "", "%", "%", "CHF"],
    )
    canvas.heading(_("Rollout in den Gemeinden"))
    canvas.paragraph(
        _(
            "Anteil der %(services)s Leistungen des kantonalen Katalogs mit Formular oder "
            "automatisiert; Ziel %(target)s %%. %(reached)s von %(total)s Gemeinden erreichen es."
        )
        % {
            "services": report.services_total,
            "target": report.rollout_target,
            "reached": report.rollout_reached,
            "total": len(report.rollout),
        }
    )
    canvas.bars(
        [r.name for r in report.rollout],
        [(_("Anteil"), [r.share for r in report.rollout])],
        "%",
        maximum=Decimal(100),
        target=report.rollout_target,
    )
    canvas.table(
        [_("Gemeinde"), _("Leistungen Formular/automatisiert"), _("Anteil")],
        [[r.name, r.offered, r.share] for r in report.rollout],
        ["", "%"],
    )


def _pdf_rollout_history(canvas, extras: ReportExtras) -> None:
    path = extras.history
    canvas.heading(_("Rollout im Zeitverlauf"))
    canvas.paragraph(
        _(
            "Weg zum Ziel von %(target)s %%: Anteil der Angebote mit Formular oder automatisiert "
            "pro Monat, kantonsweit und pro Gemeinde (Stand jeweils Ende Jahr; alle Monate in "
            "der XLSX-Datei und im CSV)."
        )
        % {"target": path.target}
    )
    labels = [f"{m:%Y-%m}" for m in path.months]
    canvas.lines(
        labels,
        [(_("Kantonsweit"), path.canton), (_("Ziel"), [path.target] * len(labels))],
        "%",
    )
    reaching = path.reaching()
    canvas.table(
        [_("Monat"), _("Anteil kantonsweit"), _("Gemeinden am Ziel")],
        [[label, path.canton[i], reaching[i]] for i, label in enumerate(labels)],
        ["%", ""],
    )
    # Per commune: the share at the last month of each year (a column per year).
    last = {}
    for i, month in enumerate(path.months):
        last[month.year] = i
    if last:
        canvas.table(
            [_("Gemeinde"), *[str(y) for y in last]],
            [[c.name, *[c.shares[i] for i in last.values()]] for c in path.communes],
            ["%"] * len(last),
        )


def _pdf_deliverables(canvas, extras: ReportExtras) -> None:
    table = deliverables_table(extras.deliverables)
    canvas.heading(table["title"])
    if not table["rows"]:
        canvas.paragraph(_("Noch keine Ergebnisse erfasst."))
        return
    canvas.table(
        [
            _("Ergebnis"),
            _("geliefert"),
            _("Kosten (CHF)"),
            _("Fälle seither"),
            _("autom. vorher"),
            _("autom. nachher"),
        ],
        [[r[0], r[2], r[4], r[5], r[6], r[7]] for r in table["rows"]],
        ["", "CHF", "", "%", "%"],
    )


def _pdf_old_links(canvas, extras: ReportExtras) -> None:
    table = old_links_table(extras.old_links)
    canvas.heading(table["title"])
    canvas.paragraph(
        _(
            "Angebote, die noch auf der Stufe «Link» stehen: so viele alte "
            "Online-Schalter-Angebote ersetzt das Portal in der Gemeinde noch nicht."
        )
    )
    canvas.table(
        [_("Gemeinde"), _("Links auf den alten Online-Schalter")],
        [[r[1], r[2]] for r in table["rows"]],
        [""],
    )


def report_pdf(report: Report, extras: ReportExtras | None = None) -> bytes:
    """A printable A4 PDF with the charts and tables (drawn directly, see ``pdf_report``)."""
    from .pdf_report import BLUE, LEFT, Canvas

    extras = extras or report_extras(report)
    canvas = Canvas()
    canvas.y -= 16
    canvas.text(LEFT, canvas.y, report.title, size=16, bold=True, colour=BLUE)
    canvas.y -= 14
    canvas.text(
        LEFT,
        canvas.y,
        _("Kostentransparenz und Nutzen des Einwohnerportals Luzern")
        + " · "
        + _("Stand")
        + " "
        + timezone.localtime().strftime("%d.%m.%Y %H:%M"),
        size=8,
    )
    canvas.y -= 6
    _pdf_finance(canvas, report)
    _pdf_series(canvas, report)
    _pdf_communes(canvas, report)
    _pdf_rollout_history(canvas, extras)
    _pdf_deliverables(canvas, extras)
    _pdf_old_links(canvas, extras)
    return canvas.write()
