"""Server-rendered SVG bar charts (no JavaScript), each with a title and a text description.

Every chart in the report is accompanied by a table with the same figures; the SVG carries
``role="img"`` and ``aria-labelledby`` pointing at its <title> and <desc>.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

COLOURS = ("#005a9c", "#b35900", "#1b6e20")  # ≥ 3:1 against white (WCAG 1.4.11)
LABEL_WIDTH = 290
BAR_AREA = 420
BAR_HEIGHT = 18
GAP = 8


@dataclass(frozen=True)
class Series:
    label: str
    values: list[Decimal]


def _number(value: Decimal, unit: str) -> str:
    sep = "," if translation.get_language() == "en" else "’"
    text = f"{value:,.2f}".replace(",", sep) if unit == "CHF" else f"{value:,}".replace(",", sep)
    return f"{text} {unit}".strip()


def _width(value: Decimal, maximum: Decimal) -> int:
    if maximum <= 0 or value <= 0:
        return 0
    return int(Decimal(value) * BAR_AREA / maximum)


def _legend(series: list[Series]) -> list[SafeString]:
    parts, x = [], LABEL_WIDTH
    for index, s in enumerate(series):
        parts.append(
            format_html(
                '<rect x="{}" y="4" width="14" height="14" fill="{}"/>'
                '<text x="{}" y="16" font-size="13">{}</text>',
                x,
                COLOURS[index % len(COLOURS)],
                x + 20,
                s.label,
            )
        )
        x += 30 + 8 * len(s.label)
    return parts


def _bar_group(
    label: str, values: list[Decimal], y0: int, top: Decimal, unit: str
) -> list[SafeString]:
    """One label with one bar (and its figure) per series, starting at height ``y0``."""
    parts = [
        format_html(
            '<text x="{}" y="{}" font-size="13" text-anchor="end">{}</text>',
            LABEL_WIDTH - 8,
            y0 + (len(values) * BAR_HEIGHT) // 2 + 5,
            label,
        )
    ]
    for index, value in enumerate(values):
        y = y0 + index * BAR_HEIGHT
        w = _width(value, top)
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                '<text x="{}" y="{}" font-size="12">{}</text>',
                LABEL_WIDTH,
                y + 1,
                w,
                BAR_HEIGHT - 3,
                COLOURS[index % len(COLOURS)],
                LABEL_WIDTH + w + 6,
                y + BAR_HEIGHT - 5,
                _number(value, unit),
            )
        )
    return parts


def _target_line(
    target: Decimal, top: Decimal, legend_height: int, height: int, unit: str
) -> SafeString:
    x = LABEL_WIDTH + _width(target, top)
    return format_html(
        '<line x1="{0}" x2="{0}" y1="{1}" y2="{2}" stroke="#1a1a1a" '
        'stroke-width="2" stroke-dasharray="6 4"/>'
        '<text x="{3}" y="{4}" font-size="12">{5}</text>',
        x,
        legend_height,
        height - 4,
        x + 4,
        legend_height + 12,
        _("Ziel %(value)s") % {"value": _number(target, unit)},
    )


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[Series],
    unit: str = "CHF",
    maximum: Decimal | None = None,
    target: Decimal | None = None,
) -> SafeString:
    """Horizontal bars, one group per label, one bar per series; optional target line."""
    values = [v for s in series for v in s.values]
    top = maximum if maximum is not None else max(values, default=Decimal(0))
    group_height = len(series) * BAR_HEIGHT + GAP
    legend_height = 24 if len(series) > 1 else 0
    height = legend_height + len(labels) * group_height + 10
    width = LABEL_WIDTH + BAR_AREA + 150
    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
            'aria-labelledby="{0}-title {0}-desc" viewBox="0 0 {1} {2}" width="{1}" height="{2}">'
            '<title id="{0}-title">{3}</title><desc id="{0}-desc">{4}</desc>',
            chart_id,
            width,
            height,
            title,
            description,
        )
    ]
    if legend_height:
        parts += _legend(series)
    for row, label in enumerate(labels):
        parts += _bar_group(
            label, [s.values[row] for s in series], legend_height + row * group_height, top, unit
        )
    if target is not None and top > 0:
        parts.append(_target_line(target, top, legend_height, height, unit))
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308 — parts are escaped above


def report_charts(report) -> dict[str, SafeString]:
    """The charts of a report: income, expenditure against budget, rollout per commune."""
    finance = report.finance
    charts = {
        "income": bar_chart(
            chart_id="chart-income",
            title=_("Einnahmen nach Quelle"),
            description="; ".join(f"{r.label}: {_number(r.amount, 'CHF')}" for r in finance.income),
            labels=[r.label for r in finance.income],
            series=[Series(_("Einnahmen"), [r.amount for r in finance.income])],
        ),
        "categories": bar_chart(
            chart_id="chart-categories",
            title=_("Ausgaben nach Kategorie im Vergleich zum Budget"),
            description="; ".join(
                _("%(label)s: Budget %(budget)s, Ausgaben %(spent)s")
                % {
                    "label": r.label,
                    "budget": _number(r.budget, "CHF"),
                    "spent": _number(r.spent, "CHF"),
                }
                for r in finance.categories
            ),
            labels=[r.label for r in finance.categories],
            series=[
                Series(_("Budget"), [r.budget for r in finance.categories]),
                Series(_("Ausgaben"), [r.spent for r in finance.categories]),
            ],
        ),
        "rollout": bar_chart(
            chart_id="chart-rollout",
            title=_("Rollout: Anteil der Katalogleistungen mit Formular oder automatisiert"),
            description=_(
                "%(reached)s von %(total)s Gemeinden erreichen das Ziel von %(target)s %%. "
                "Die Zahlen pro Gemeinde stehen in der Tabelle."
            )
            % {
                "reached": report.rollout_reached,
                "total": len(report.rollout),
                "target": report.rollout_target,
            },
            labels=[r.name for r in report.rollout],
            series=[Series(_("Anteil"), [r.share for r in report.rollout])],
            unit="%",
            maximum=Decimal(100),
            target=report.rollout_target,
        ),
    }
    return charts


LINE_WIDTH = 620
LINE_HEIGHT = 220
LINE_LEFT = 90
LINE_TOP = 30


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[Series],
    unit: str = "CHF",
) -> SafeString:
    """Lines over periods (x: ``labels``), one per series, with a zero line and the top value;
    a dashed style for the second series (e.g. the budget line) so it differs without colour."""
    values = [v for s in series for v in s.values]
    top = max([*values, Decimal(0)]) or Decimal(1)
    bottom = min([*values, Decimal(0)])
    span = top - bottom or Decimal(1)
    count = max(len(labels) - 1, 1)

    def x(i: int) -> int:
        return LINE_LEFT + int(Decimal(i) * LINE_WIDTH / count)

    def y(v: Decimal) -> int:
        return LINE_TOP + int((top - v) * LINE_HEIGHT / span)

    width, height = LINE_LEFT + LINE_WIDTH + 40, LINE_TOP + LINE_HEIGHT + 40
    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
            'aria-labelledby="{0}-title {0}-desc" viewBox="0 0 {1} {2}" width="{1}" height="{2}">'
            '<title id="{0}-title">{3}</title><desc id="{0}-desc">{4}</desc>',
            chart_id,
            width,
            height,
            title,
            description,
        ),
        format_html(
            '<line x1="{0}" x2="{1}" y1="{2}" y2="{2}" stroke="#4d4d4d"/>'
            '<text x="{3}" y="{4}" font-size="11" text-anchor="end">{5}</text>'
            '<text x="{3}" y="{6}" font-size="11" text-anchor="end">{7}</text>',
            LINE_LEFT,
            LINE_LEFT + LINE_WIDTH,
            y(Decimal(0)),
            LINE_LEFT - 6,
            LINE_TOP + 4,
            _number(top, unit),
            y(Decimal(0)) + 4,
            _number(Decimal(0), unit),
        ),
    ]
    parts += _legend(series)
    for index, s in enumerate(series):
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(s.values))
        parts.append(
            format_html(
                '<polyline fill="none" stroke="{}" stroke-width="2.5" {} points="{}"/>',
                COLOURS[index % len(COLOURS)],
                mark_safe('stroke-dasharray="7 4"') if index == 1 else "",
                points,
            )
        )
    step = max(1, len(labels) // 8)
    for i in range(0, len(labels), step):
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="middle">{}</text>',
                x(i),
                LINE_TOP + LINE_HEIGHT + 22,
                labels[i],
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308 — parts are escaped above


def series_tables(series) -> dict[str, dict]:
    """The figures behind each time chart: headers and rows (also the charts' CSV)."""
    total, reserve = series.total, series.reserve
    return {
        "cumulative": {
            "title": _("Kumulierte Ausgaben gegenüber der Budgetlinie"),
            "headers": [_("Periode"), _("Ausgaben kumuliert CHF"), _("Budget kumuliert CHF")],
            "rows": [[p.period.key, p.cumulative_spent, p.cumulative_budget] for p in total.points],
        },
        "income_spend": {
            "title": _("Einnahmen und Ausgaben pro Periode"),
            "headers": [_("Periode"), _("Einnahmen CHF"), _("Ausgaben CHF")],
            "rows": [[p.period.key, p.income, p.spent] for p in total.points],
        },
        "reserve": {
            "title": _("Reserve im Zeitverlauf (budgetiert minus verwendet, kumuliert)"),
            "headers": [
                _("Periode"),
                _("Reserve CHF"),
                _("Saldo Einnahmen minus Ausgaben CHF"),
            ],
            "rows": [
                [p.period.key, r.remaining, t.cumulative_income - t.cumulative_spent]
                for p, r, t in zip(total.points, reserve.points, total.points, strict=True)
            ],
        },
        "categories": {
            "title": _("Ausgaben pro Kategorie und Periode"),
            "headers": [_("Periode"), *[str(c.label) for c in series.categories], _("Total")],
            "rows": [
                [p.period.key, *[c.points[i].spent for c in series.categories], p.spent]
                for i, p in enumerate(total.points)
            ],
        },
    }


def series_charts(series) -> dict[str, SafeString]:
    """The time charts of a series: cumulative vs budget, income vs spend, reserve."""
    tables = series_tables(series)
    labels = [p.key for p in series.periods]

    def chart(key: str, names: list[str]) -> SafeString:
        table = tables[key]
        columns = list(zip(*table["rows"], strict=True)) if table["rows"] else []
        data = [Series(n, list(columns[i + 1]) if columns else []) for i, n in enumerate(names)]
        last = table["rows"][-1] if table["rows"] else None
        description = (
            _("%(n)s Perioden von %(first)s bis %(last)s; zuletzt ")
            % {"n": len(labels), "first": labels[0], "last": labels[-1]}
            + ", ".join(f"{n} {_number(last[i + 1], 'CHF')}" for i, n in enumerate(names))
            if last
            else _("Keine Perioden.")
        )
        return line_chart(
            chart_id=f"chart-{key.replace('_', '-')}",
            title=table["title"],
            description=description,
            labels=labels,
            series=data,
        )

    return {
        "cumulative": chart("cumulative", [_("Ausgaben kumuliert"), _("Budget kumuliert")]),
        "income_spend": chart("income_spend", [_("Einnahmen"), _("Ausgaben")]),
        "reserve": chart("reserve", [_("Reserve"), _("Saldo")]),
    }


def rollout_path_chart(path) -> SafeString:
    """The canton-wide share of offers at form/automated per month, against the target."""
    labels = [f"{m:%Y-%m}" for m in path.months]
    canton = path.canton
    description = (
        _(
            "Von %(first)s bis %(last)s: kantonsweit %(start)s %% bis %(end)s %%, Ziel %(target)s %%."
        )
        % {
            "first": labels[0],
            "last": labels[-1],
            "start": canton[0],
            "end": canton[-1],
            "target": path.target,
        }
        if labels
        else _("Keine Monate.")
    )
    return line_chart(
        chart_id="chart-rollout-path",
        title=_("Weg zum Ziel: Anteil der Angebote mit Formular oder automatisiert, kantonsweit"),
        description=description,
        labels=labels,
        series=[
            Series(_("Kantonsweit"), canton),
            Series(_("Ziel"), [path.target] * len(labels)),
        ],
        unit="%",
    )


def report_tables(report) -> dict[str, dict]:
    """The figures behind the report's bar charts (the same rows as the tables beside them)."""
    finance = report.finance
    return {
        "income": {
            "title": _("Einnahmen nach Quelle"),
            "headers": [_("Quelle"), _("Betrag CHF")],
            "rows": [[r.label, r.amount] for r in finance.income],
        },
        "expenditure": {
            "title": _("Ausgaben nach Kategorie im Vergleich zum Budget"),
            "headers": [_("Kategorie"), _("Budget CHF"), _("Ausgaben CHF")],
            "rows": [[r.label, r.budget, r.spent] for r in finance.categories],
        },
        "rollout": {
            "title": _("Rollout: Anteil der Katalogleistungen mit Formular oder automatisiert"),
            "headers": [
                _("BFS-Nr."),
                _("Gemeinde"),
                _("Leistungen Formular/automatisiert"),
                _("Leistungen Katalog"),
                _("Anteil %"),
            ],
            "rows": [
                [r.bfs_number, r.name, r.offered, r.services, r.share] for r in report.rollout
            ],
        },
    }


def rollout_path_table(path) -> dict:
    """The figures behind the rollout path chart: per month the canton-wide share, the target
    and how many communes reach it, then one column per commune (its share)."""
    reaching = path.reaching()
    return {
        "title": _(
            "Weg zum Ziel: Anteil der Angebote mit Formular oder automatisiert, kantonsweit"
        ),
        "headers": [
            _("Monat"),
            _("Anteil kantonsweit %"),
            _("Ziel %"),
            _("Gemeinden am Ziel"),
            *[f"{c.name} %" for c in path.communes],
        ],
        "rows": [
            [
                f"{month:%Y-%m}",
                share,
                path.target,
                reaching[i],
                *[c.shares[i] for c in path.communes],
            ]
            for i, (month, share) in enumerate(zip(path.months, path.canton, strict=True))
        ],
    }


# The keys of every chart whose figures can be downloaded as CSV (``grafik-<key>.csv``).
REPORT_CHARTS = ("income", "expenditure", "rollout")
SERIES_CHARTS = ("cumulative", "income_spend", "reserve", "categories")
PATH_CHART = "rollout_path"
CHART_KEYS = (*REPORT_CHARTS, *SERIES_CHARTS, PATH_CHART)
