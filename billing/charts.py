"""Server-rendered SVG bar charts (no JavaScript), each with a title and a text description.

Every chart in the report is accompanied by a table with the same figures; the SVG carries
``role="img"`` and ``aria-labelledby`` pointing at its <title> and <desc>.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

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
    text = f"{value:,.2f}".replace(",", "’") if unit == "CHF" else f"{value:,}".replace(",", "’")
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
        f"Ziel {_number(target, unit)}",
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
            title="Einnahmen nach Quelle",
            description="; ".join(f"{r.label}: {_number(r.amount, 'CHF')}" for r in finance.income),
            labels=[r.label for r in finance.income],
            series=[Series("Einnahmen", [r.amount for r in finance.income])],
        ),
        "categories": bar_chart(
            chart_id="chart-categories",
            title="Ausgaben nach Kategorie im Vergleich zum Budget",
            description="; ".join(
                f"{r.label}: Budget {_number(r.budget, 'CHF')}, Ausgaben {_number(r.spent, 'CHF')}"
                for r in finance.categories
            ),
            labels=[r.label for r in finance.categories],
            series=[
                Series("Budget", [r.budget for r in finance.categories]),
                Series("Ausgaben", [r.spent for r in finance.categories]),
            ],
        ),
        "rollout": bar_chart(
            chart_id="chart-rollout",
            title="Rollout: Anteil der Katalogleistungen mit Formular oder automatisiert",
            description=(
                f"{report.rollout_reached} von {len(report.rollout)} Gemeinden erreichen das Ziel "
                f"von {report.rollout_target} %. Die Zahlen pro Gemeinde stehen in der Tabelle."
            ),
            labels=[r.name for r in report.rollout],
            series=[Series("Anteil", [r.share for r in report.rollout])],
            unit="%",
            maximum=Decimal(100),
            target=report.rollout_target,
        ),
    }
    return charts
