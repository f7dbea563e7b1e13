"""A person's data export as a readable PDF (WeasyPrint, vendored fonts only)."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from django.template import Context, Template

from integrations.base import Adapter
from integrations.registry import register

from .data import PersonalDataRequest, RenderedDocument
from .pdf import render_pdf

TEMPLATE = Path(__file__).with_name("personal_data.html")
STYLESHEET = Path(__file__).with_name("personal_data.css")


@functools.cache
def _template() -> Template:
    return Template(TEMPLATE.read_text(encoding="utf-8"))


@register("documents.personal_data")
class PersonalDataAdapter(Adapter):
    """``PersonalDataRequest`` → ``RenderedDocument`` (PDF). Local rendering, no register."""

    def call(self, request: PersonalDataRequest, *, idempotency_key: str) -> RenderedDocument:
        html = _template().render(Context(request.__dict__))
        document = render_pdf(html, stylesheets=[STYLESHEET])
        return RenderedDocument(
            content=document.content,
            filename="meine-daten.pdf",
            mime_type="application/pdf",
            title=request.title,
            sha256=hashlib.sha256(document.content).hexdigest(),
            pages=document.pages,
        )
