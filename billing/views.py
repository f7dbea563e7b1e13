"""Public report pages at /programme/ and their downloads."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from . import exports, exports_pdf
from .charts import (
    CHART_KEYS,
    PATH_CHART,
    REPORT_CHARTS,
    report_charts,
    report_tables,
    rollout_path_chart,
    rollout_path_table,
    series_charts,
    series_tables,
)
from .selectors import report_build
from .selectors.benefit import USAGE_HEADERS, deliverables_report, usage_by_service, usage_table
from .selectors.compare import compare_rows
from .selectors.kept import report_kept
from .selectors.rollout import old_links_per_commune, rollout_go_live, rollout_history
from .selectors.years import programme_years, years_message


def _programme_year(year: int | None) -> None:
    if year is not None and year not in programme_years():
        raise Http404("Kein Programmjahr.")


def _kept_report(year: int | None):
    """The report of a programme year, or of the whole programme (None), kept."""
    return report_kept("report", year, lambda: report_build(year=year))


def _report(year: int | None):
    """``_kept_report``; 404 for a year outside the programme."""
    _programme_year(year)
    return _kept_report(year)


def programme_report(request, year: int | None = None):
    """The report for one year or for the whole programme, with charts and tables."""
    _programme_year(year)
    context = report_kept("page", year, lambda: _page_context(_kept_report(year)))
    return render(
        request,
        "billing/report.html",
        {**context, "chart_csv": _chart_csv_urls(year)},
    )


def _page_context(report) -> dict:
    """What the report page shows besides its links: figures, charts, tables, rollout."""
    history = rollout_history(years=report.years)
    return {
        "report": report,
        "charts": report_charts(report),
        "series_charts": series_charts(report.series),
        "series_tables": series_tables(report.series),
        "old_links": old_links_per_commune(),
        "rollout_history": history,
        "deliverables": deliverables_report(),
        "go_live": rollout_go_live(),
        "rollout_path_chart": rollout_path_chart(history),
        "rollout_rows": list(zip(history.months, history.canton, history.reaching(), strict=True)),
        "programme_years": report.all_years,
    }


def _chart_csv_urls(year: int | None) -> dict[str, str]:
    if year is None:
        return {key: reverse("programme-chart-csv", args=[key]) for key in CHART_KEYS}
    return {key: reverse("programme-chart-csv-year", args=[year, key]) for key in CHART_KEYS}


def programme_download(request, fmt: str, year: int | None = None):
    """The report as CSV, XLSX or PDF."""
    if fmt not in exports.CONTENT_TYPES:
        raise Http404("Unbekanntes Format.")
    _programme_year(year)
    write = {
        "csv": exports.report_csv,
        "xlsx": exports.report_xlsx,
        "pdf": exports_pdf.report_pdf,
    }[fmt]

    def build() -> bytes:
        report = _kept_report(year)
        return write(report, exports.report_extras(report))

    content = report_kept(f"download-{fmt}", year, build)
    name = f"fuenfliber-{year or 'programm'}.{fmt}"
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def programme_chart_csv(request, chart: str, year: int | None = None):
    """The figures of one chart as CSV (the same rows as the table beside it)."""
    if chart not in CHART_KEYS:
        raise Http404("Unbekannte Grafik.")
    report = _report(year)
    if chart == PATH_CHART:
        table = rollout_path_table(rollout_history(years=report.years))
    elif chart in REPORT_CHARTS:
        table = report_tables(report)[chart]
    else:
        table = series_tables(report.series)[chart]
    response = HttpResponse(exports.table_csv(table), content_type=exports.CONTENT_TYPES["csv"])
    name = f"fuenfliber-{year or 'programm'}-{chart}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _year_param(value: str | None, years: tuple[int, ...]) -> int | None:
    text = (value or "").strip()
    if text.isascii() and text.isdigit() and len(text) == 4 and int(text) in years:
        return int(text)
    return None


def programme_compare(request):
    """Any two programme years side by side (``?a=2023&b=2026``)."""
    years = programme_years()
    a = _year_param(request.GET.get("a"), years)
    b = _year_param(request.GET.get("b"), years)
    error = ""
    given = "a" in request.GET or "b" in request.GET
    if given and (a is None or b is None):
        error = years_message(years)
    rows = []
    if a is not None and b is not None:
        rows = compare_rows(_kept_report(a), _kept_report(b))
    return render(
        request,
        "billing/compare.html",
        {
            "years": years,
            "a": a,
            "b": b,
            "rows": rows,
            "error": error,
            "programme_years": years,
        },
        status=400 if error else 200,
    )


def programme_usage(request, year: int):
    """Public usage table: orders per service and month of one programme year."""
    years = programme_years()
    if year not in years:
        raise Http404("Kein Programmjahr.")
    rows = _usage_rows(year)
    return render(
        request,
        "billing/usage.html",
        {"year": year, "rows": rows, "programme_years": years},
    )


def programme_usage_csv(request, year: int):
    """The usage table of one programme year as CSV (the same columns as the page)."""
    _programme_year(year)
    rows = _usage_rows(year)
    table = {"headers": [str(h) for h in USAGE_HEADERS], "rows": usage_table(rows)}
    response = HttpResponse(exports.table_csv(table), content_type=exports.CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="nutzung-{year}.csv"'
    return response


def _usage_rows(year: int):
    """Orders per service and month of a programme year (kept like the report)."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    return report_kept("usage", year, lambda: usage_by_service(start=start, end=end))
