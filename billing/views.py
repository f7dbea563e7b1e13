"""Public report pages at /programme/ and their downloads."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from . import exports
from .charts import report_charts
from .selectors import report_build
from .selectors.years import programme_years


def _report(year: int | None):
    if year is not None and year not in programme_years():
        raise Http404("Kein Programmjahr.")
    return report_build(year=year)


def programme_report(request, year: int | None = None):
    """The report for one year or for the whole programme, with charts and tables."""
    report = _report(year)
    return render(
        request,
        "billing/report.html",
        {
            "report": report,
            "charts": report_charts(report),
            "programme_years": report.all_years,
        },
    )


def programme_download(request, fmt: str, year: int | None = None):
    """The report as CSV, XLSX or PDF."""
    if fmt not in exports.CONTENT_TYPES:
        raise Http404("Unbekanntes Format.")
    report = _report(year)
    content = {
        "csv": exports.report_csv,
        "xlsx": exports.report_xlsx,
        "pdf": exports.report_pdf,
    }[fmt](report)
    name = f"fuenfliber-{year or 'programm'}.{fmt}"
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
