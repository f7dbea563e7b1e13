"""Render a residence certificate (Wohnsitzbestätigung) as PDF with WeasyPrint."""

from __future__ import annotations

import functools
import hashlib
from datetime import date
from pathlib import Path

from django.template import Context, Template
from django.utils.safestring import mark_safe

from integrations.base import Adapter, PermanentError
from integrations.registry import register

from .data import RenderedDocument, ResidenceCertificateRequest
from .pdf import render_pdf, warm_up

TEMPLATE = Path(__file__).with_name("residence_certificate.html")
STYLESHEET = Path(__file__).with_name("residence_certificate.css")
# The footer's "Seite 1 von N": WeasyPrint lays out a document a second time to fill in
# counter(pages). A certificate has one page, so it is rendered with "1" and only rendered again
# with counter(pages) if it does not fit on one page.
ONE_PAGE = mark_safe('"1"')
COUNTED_PAGES = mark_safe("counter(pages)")


def _swiss_date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


@functools.cache
def _template() -> Template:
    return Template(TEMPLATE.read_text(encoding="utf-8"))


def residence_certificate_html(
    request: ResidenceCertificateRequest, *, total_pages: str = COUNTED_PAGES
) -> str:
    """The certificate as HTML (what the PDF is rendered from, with ``STYLESHEET``).
    ``total_pages``: the CSS for N in the footer's "Seite 1 von N"."""
    title = f"Wohnsitzbestätigung {request.first_name} {request.official_name}"
    context = {
        **request.__dict__,
        "title": title,
        "date_of_birth": _swiss_date(request.date_of_birth),
        "moving_in_date": _swiss_date(request.moving_in_date),
        "issue_date": _swiss_date(request.issue_date),
        "total_pages": total_pages,
    }
    return _template().render(Context(context))


@register("documents.residence_certificate")
class ResidenceCertificateAdapter(Adapter):
    """Residence certificate → ``RenderedDocument`` (PDF bytes and metadata). Local rendering;
    the same request renders the same certificate."""

    def warm_up(self) -> None:
        # The first rendering loads fonts (about 2 s); later ones take tens of milliseconds.
        _template()
        warm_up(stylesheets=[STYLESHEET])

    def call(
        self, request: ResidenceCertificateRequest, *, idempotency_key: str
    ) -> RenderedDocument:
        if not (request.official_name.strip() and request.first_name.strip()):
            raise PermanentError("Name fehlt für die Wohnsitzbestätigung.", code="invalid_data")
        document = render_pdf(
            residence_certificate_html(request, total_pages=ONE_PAGE), stylesheets=[STYLESHEET]
        )
        if document.pages != 1:
            document = render_pdf(residence_certificate_html(request), stylesheets=[STYLESHEET])
        pdf = document.content
        slug = "".join(c for c in request.reference if c.isalnum() or c in "-_") or "dokument"
        return RenderedDocument(
            content=pdf,
            filename=f"wohnsitzbestaetigung-{slug}.pdf",
            mime_type="application/pdf",
            title=f"Wohnsitzbestätigung {request.first_name} {request.official_name}",
            sha256=hashlib.sha256(pdf).hexdigest(),
            pages=document.pages,
        )
