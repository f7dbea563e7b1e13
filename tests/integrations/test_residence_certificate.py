"""Residence certificate PDF (documents.residence_certificate)."""

from __future__ import annotations

from datetime import date

import pytest

from integrations.adapters.documents.adapters import (
    ResidenceCertificateRequest,
    residence_certificate_html,
)
from integrations.base import PermanentError
from integrations.registry import get

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


def layout_text(html: str) -> str:
    """The text WeasyPrint lays out on the pages (no PDF text extractor is installed)."""
    from weasyprint import HTML

    def walk(box):
        if hasattr(box, "text"):
            yield box.text
        for child in getattr(box, "children", []):
            yield from walk(child)

    document = HTML(string=html).render()
    return " ".join(t for page in document.pages for t in walk(page._page_box))


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
    text = layout_text(residence_certificate_html(REQUEST))
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
