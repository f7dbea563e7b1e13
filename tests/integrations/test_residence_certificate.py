"""Residence certificate PDF (documents.residence_certificate)."""

from __future__ import annotations

from datetime import date

import pytest

from integrations.adapters.documents.adapters import (
    ONE_PAGE,
    STYLESHEET,
    ResidenceCertificateRequest,
    residence_certificate_html,
)
from integrations.adapters.documents.pdf import render_document
from integrations.base import PermanentError
from integrations.registry import get

from .pdfs import embedded_fonts, layout_text, text_boxes

REQUEST = ResidenceCertificateRequest(
    commune_name="Kriens",
    bfs_number=1059,
    authority="Einwohnerdienste Kriens",
    official_name="Zemp",
    first_name="Désirée",
    date_of_birth=date(1996, 9, 25),
    street="Seestrasse 46",
    postcode="6010",
    town="Kriens",
    issue_date=date(2026, 11, 28),
    reference="WSB-2026-000123",
    nationality="Schweiz",
    moving_in_date=date(2013, 3, 6),
    register_message_id="EWR-1059-00000001",
)


def test_certificate_renders_as_pdf():
    """One A4 page of PDF with file name, title and checksum."""
    doc = get("documents.residence_certificate").call(REQUEST, idempotency_key="c1")
    assert doc.content.startswith(b"%PDF-")
    assert doc.content.rstrip().endswith(b"%%EOF")
    assert doc.pages == 1
    assert doc.mime_type == "application/pdf"
    assert doc.filename == "wohnsitzbestaetigung-WSB-2026-000123.pdf"
    assert doc.title == "Wohnsitzbestätigung Désirée Zemp"
    assert len(doc.sha256) == 64


def test_certificate_shows_the_register_data():
    """Name, birth date, address, moving-in date, commune and reference are on the page."""
    text = layout_text(render(residence_certificate_html(REQUEST)))
    for expected in ("Zemp, Désirée", "25.09.1996", "Seestrasse 46", "6010 Kriens", "06.03.2013",
                     "Gemeinde Kriens", "BFS-Nr. 1059", "WSB-2026-000123", "28.11.2026"):  # fmt: skip
        assert expected in text, expected


def test_html_is_escaped():
    html = residence_certificate_html(
        ResidenceCertificateRequest(**{**REQUEST.__dict__, "official_name": "<script>x</script>"})
    )
    assert "<script>x" not in html and "&lt;script&gt;" in html


def test_missing_name_is_permanent():
    with pytest.raises(PermanentError):
        get("documents.residence_certificate").call(
            ResidenceCertificateRequest(**{**REQUEST.__dict__, "first_name": " "}),
            idempotency_key="c2",
        )


def render(html: str):
    return render_document(html, stylesheets=[STYLESHEET])


def test_certificate_embeds_its_two_fonts():
    """Liberation Sans regular and bold, subsets embedded; the footer no longer falls back to
    a serif font of its own."""
    doc = get("documents.residence_certificate").call(REQUEST, idempotency_key="f")
    assert embedded_fonts(doc.content) == {"Liberation-Sans", "Liberation-Sans-Bold"}


def test_footer_names_commune_reference_and_page():
    """One page: "Seite 1 von 1" without WeasyPrint's second layout pass for counter(pages)."""
    document = render(residence_certificate_html(REQUEST, total_pages=ONE_PAGE))
    text = layout_text(document)
    assert len(document.pages) == 1
    assert "Kriens · Referenz WSB-2026-000123" in text and "Seite 1 von 1" in text


def test_longer_certificate_counts_its_pages(monkeypatch):
    """A certificate that needs a second page is rendered again with counted pages."""
    from integrations.adapters.documents import adapters

    long = ResidenceCertificateRequest(**{**REQUEST.__dict__, "purpose": "Arbeitgeber " * 300})
    calls = []
    original = adapters.residence_certificate_html
    monkeypatch.setattr(
        adapters,
        "residence_certificate_html",
        lambda request, **kw: calls.append(kw.get("total_pages")) or original(request, **kw),
    )
    doc = get("documents.residence_certificate").call(long, idempotency_key="l")
    assert doc.pages == 2
    assert calls == [ONE_PAGE, None]
    text = layout_text(render(original(long)))
    assert "Seite 1 von 2" in text and "Seite 2 von 2" in text


def test_register_data_stand_in_a_label_column():
    """Labels and values side by side: every value starts 45.3 mm right of its label."""
    boxes = {
        text: left for text, left, _, _ in text_boxes(render(residence_certificate_html(REQUEST)))
    }
    for label, value in (("Name, Vorname", "Zemp, Désirée"), ("Geburtsdatum", "25.09.1996"),
                         ("Adresse", "Seestrasse 46"), ("Zugezogen am", "06.03.2013")):  # fmt: skip
        assert boxes[value] - boxes[label] == pytest.approx(45.3, abs=0.01)
    assert boxes["6010 Kriens"] == pytest.approx(boxes["Seestrasse 46"], abs=0.01)
