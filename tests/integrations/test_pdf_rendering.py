"""Shared WeasyPrint rendering (integrations/adapters/documents/pdf.py)."""

from __future__ import annotations

import threading

from integrations.adapters.documents import pdf
from integrations.adapters.documents.adapters import STYLESHEET


def in_other_thread(function):
    result = []
    thread = threading.Thread(target=lambda: result.append(function()))
    thread.start()
    thread.join()
    return result[0]


def test_font_configuration_and_stylesheets_are_kept_per_thread():
    """Created once per thread and reused there; another thread has its own."""
    config, sheet = pdf.font_config(), pdf.stylesheet(STYLESHEET)
    assert pdf.font_config() is config and pdf.stylesheet(STYLESHEET) is sheet
    other = in_other_thread(lambda: (pdf.font_config(), pdf.stylesheet(STYLESHEET)))
    assert other[0] is not config and other[1] is not sheet


def test_render_pdf_counts_pages_and_applies_the_stylesheet():
    html = "<p>Eins</p><p style='break-before: page'>Zwei</p>"
    rendered = pdf.render_pdf(html, stylesheets=[STYLESHEET])
    assert rendered.content.startswith(b"%PDF-") and rendered.pages == 2


def test_drawing_is_captured_once_and_kept():
    """The same page is drawn once per process; a different one again."""
    html = "<div style='border: 1px solid; height: 10mm'></div>"
    first = pdf.reusable_drawing(html)
    assert first is not None and b" re" in first.operations
    assert pdf.reusable_drawing(html) is first
    assert pdf.reusable_drawing(html.replace("10mm", "11mm")) is not first
