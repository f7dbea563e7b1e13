"""Swiss QR-bill invoices (billing.qr_invoice)."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from html import unescape as html_unescape

import pytest
import qrcode
import qrcode.image.svg
from stdnum import iso11649
from stdnum.ch import esr

from integrations.adapters.documents.pdf import render_document, reusable_drawing
from integrations.adapters.qr_invoice import masks
from integrations.adapters.qr_invoice.adapters import (
    InvoiceRequest,
    Party,
    qrr_reference,
    scor_reference,
)
from integrations.adapters.qr_invoice.invoice_pdf import (
    STYLESHEET,
    _payment_part,
    payment_drawing_html,
    qr_invoice_html,
    qr_invoice_pdf,
)
from integrations.base import PermanentError
from integrations.registry import get

from .pdfs import embedded_fonts, font_program_bytes, layout_text, objects, streams, text_boxes

KRIENS = Party("Gemeinde Kriens", "Schachenstrasse", "13", "6010", "Kriens")
DEBTOR = Party("Anna Muster", "Seestrasse", "46", "6010", "Kriens")


def invoice(**changes) -> InvoiceRequest:
    fields = {
        "creditor": KRIENS,
        "bfs_number": 1059,
        "amount": Decimal("30.00"),
        "case_reference": "2026-000123",
        "purpose": "Wohnsitzbestätigung",
        "debtor": DEBTOR,
    }
    return InvoiceRequest(**{**fields, **changes})


def test_payload_follows_the_spec_fields():
    """With the default QR-IBAN: QRR reference, amount with 2 places, creditor and debtor in
    their fixed positions of the SPC 0200 payload."""
    bill = get("billing.qr_invoice").call(invoice(), idempotency_key="i1")
    lines = bill.payload.split("\r\n")
    assert lines[:3] == ["SPC", "0200", "1"]
    assert lines[3] == "CH4431999123000889012"
    assert lines[4:11] == ["S", "Gemeinde Kriens", "Schachenstrasse", "13", "6010", "Kriens", "CH"]
    assert lines[18:20] == ["30.00", "CHF"]
    assert lines[20:27] == ["S", "Anna Muster", "Seestrasse", "46", "6010", "Kriens", "CH"]
    assert lines[27:29] == ["QRR", bill.reference]
    assert lines[29] == "Wohnsitzbestätigung"
    assert lines[30] == "EPD"
    assert bill.reference_type == "QRR" and esr.is_valid(bill.reference)
    assert bill.reference == qrr_reference(1059, "2026-000123")
    assert bill.reference_formatted == "10 59000 00000 00002 02600 01236"
    assert bill.amount == Decimal("30.00")
    assert bill.svg.startswith(b"<?xml") and b"<svg" in bill.svg


def test_qrr_reference_layout():
    """BFS number, the case digits zero-padded to 22, then the check digit."""
    ref = qrr_reference(1059, "2026-000123")
    assert ref[:26] == "1059" + "2026000123".zfill(22)
    assert esr.is_valid(ref)
    letters = qrr_reference(1059, "WSB-2026-000123")
    assert (
        esr.is_valid(letters)
        and letters != ref
        and letters == qrr_reference(1059, "WSB-2026-000123")
    )


def test_spec_example_reference_is_reproduced():
    """The SIX example reference's check digit (210000000003139471430009017) is reproduced."""
    assert esr.calc_check_digit("21000000000313947143000901") == "7"


def test_ordinary_iban_gets_a_creditor_reference():
    """With a normal IBAN the reference is an ISO 11649 SCOR reference."""
    bill = get("billing.qr_invoice").call(
        invoice(iban="CH53 8000 5000 0102 83664", case_reference="WSB-2026-000123"),
        idempotency_key="i2",
    )
    assert bill.reference_type == "SCOR"
    assert iso11649.is_valid(bill.reference)
    assert bill.payload.split("\r\n")[27:29] == ["SCOR", bill.reference]
    assert scor_reference("539007547034") == "RF18539007547034"  # the qrbill test-suite example


def test_same_request_same_bill():
    adapter = get("billing.qr_invoice")
    assert adapter.call(invoice(), idempotency_key="a") == adapter.call(
        invoice(), idempotency_key="b"
    )


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), Decimal("1000000000")])
def test_invalid_amounts_are_permanent(amount):
    with pytest.raises(PermanentError) as exc:
        get("billing.qr_invoice").call(invoice(amount=amount), idempotency_key="x")
    assert exc.value.code == "invalid_amount"


@pytest.mark.parametrize("account", ["CH5380005000010288664", "CHXXABCDE", "DE00"])
def test_invalid_iban_is_permanent(account):
    with pytest.raises(PermanentError) as exc:
        get("billing.qr_invoice").call(invoice(iban=account), idempotency_key="x")
    assert exc.value.code in ("invalid_invoice", "invalid_reference")


def test_configuration_check_refuses_a_bad_iban():
    from integrations.adapters.qr_invoice.adapters import QrInvoiceAdapter

    assert QrInvoiceAdapter.check_configuration({"qr_iban": "CH4431999123000889012"}) == []
    assert "keine gültige IBAN" in QrInvoiceAdapter.check_configuration({"qr_iban": "CH00"})[0]


# --- The QR code ---------------------------------------------------------------------------


def modules_of_path(path: str) -> set[tuple[int, int]]:
    """(row, column) of the dark modules an SVG path of axis-parallel rectangles covers."""
    dark = set()
    for x0, y0, x1, y1 in re.findall(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H[\d.]+z", path):
        for y in range(int(float(y0)), int(float(y1))):
            dark.update((y, x) for x in range(int(float(x0)), int(float(x1))))
    return dark


def dark_modules(modules: tuple[str, ...]) -> set[tuple[int, int]]:
    return {(y, x) for y, row in enumerate(modules) for x, c in enumerate(row) if c == "1"}


def test_qr_code_is_the_one_qrbill_makes():
    """The SVG's QR code has exactly the modules of qrbill's own (qrcode's SvgPathImage of the
    bill's data: error correction M, best mask), drawn as runs, at qrbill's place and size."""
    bill = get("billing.qr_invoice").call(invoice(), idempotency_key="q1")
    reference = qrcode.make(
        bill.payload,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=0,
    )
    expected = modules_of_path(re.search(r' d="([^"]*)"', reference.to_string().decode())[1])
    svg = bill.svg.decode()
    path = re.search(r'<path d="(M0,0H[^"]*)"[^>]*transform="([^"]*)"', svg)
    assert modules_of_path(path[1]) == expected == dark_modules(bill.qr_modules)
    assert len(bill.qr_modules) == reference.width == 61  # version 11
    scale = float(re.search(r"scale\(([\d.]+)\)", path[2])[1])
    assert scale * len(bill.qr_modules) * 25.4 / 90 == pytest.approx(45.8)  # mm, as qrbill
    assert svg.count("<path") == 3  # the QR code and two pairs of scissors
    assert len(bill.svg) < 25_000  # was 36 kB with one square per module


@pytest.mark.parametrize("seed", range(3))
def test_faster_mask_choice_makes_qrcodes_symbols(seed):
    """masks.QRCode gives qrcode's symbol (same mask, same modules) for payloads of every
    size a QR-bill can have (versions 1–20), umlauts and line breaks included."""
    rnd = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyz äöüéÄÖÜ ABCDEFGHIJ 0123456789\r\n-.,/"
    versions = set()
    for length in (1, 9, 30, 80, 140, 220, 300, 420, 520):
        data = "".join(rnd.choice(alphabet) for _ in range(length))
        ours = masks.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        theirs = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        for code in (ours, theirs):
            code.add_data(data)
            code.make()
        assert ours.modules == theirs.modules, length
        versions.add(theirs.version)
    assert len(versions) >= 7


def test_qr_code_is_chosen_anew_for_new_data():
    """A QRCode made again with other data does not keep the earlier symbol."""
    code = masks.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data("SPC first")
    code.make()
    first = code.modules
    code.clear()
    code.add_data("SPC second, a little longer")
    code.make()
    reference = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    reference.add_data("SPC second, a little longer")
    reference.make()
    assert code.modules == reference.modules != first


# --- The A4 invoice ------------------------------------------------------------------------

TITLE = "Rechnung Wohnsitzbestätigung"


def render_invoice(request: InvoiceRequest | None = None):
    request = request or invoice()
    bill = get("billing.qr_invoice").call(request, idempotency_key="pdf")
    return request, bill, qr_invoice_pdf(request, bill, title=TITLE, issue_date="28.11.2026")


def test_invoice_pdf_is_one_a4_page_with_its_fonts_embedded():
    _, _, pdf = render_invoice()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    bodies = objects(pdf).values()
    pages = [b for b in bodies if re.search(rb"/Type /Page\b", b)]
    assert len(pages) == 1 and b"/MediaBox [0 0 595.275591 841.889764]" in pages[0]
    assert embedded_fonts(pdf) == {"Liberation-Sans", "Liberation-Sans-Bold"}
    # was 38 kB with the SVG embedded; the fonts (~15 kB each, the vendored fonts' cached
    # subsets, integrations/adapters/documents/font_subsets.py) not counted
    assert len(pdf) - font_program_bytes(pdf) < 25_000


def test_invoice_pdf_draws_the_bills_qr_code_at_its_place():
    """The QR code is a content stream of its own: filled rectangles of the modules' runs in
    module units, scaled to 45.8 mm and placed 67 mm from the left, 17.2 mm below the bill's top
    (as qrbill), under the payment part's drawing with the Swiss cross."""
    _, bill, pdf = render_invoice()
    contents = [data for _, data in streams(pdf).values() if data.startswith(b"q 0 g ")]
    assert len(contents) == 1
    ops = contents[0].decode()
    a, _, _, d, e, f = (
        float(v) for v in re.match(r"q 0 g (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) cm", ops).groups()
    )
    n = len(bill.qr_modules)
    mm = 25.4 / 72
    assert a * n * mm == pytest.approx(45.8, abs=0.01) and d == -a
    assert e * mm == pytest.approx(67.0, abs=0.01)
    assert 297 - f * mm == pytest.approx(191 + 61 * 25.4 / 90, abs=0.01)
    dark = set()
    for x, y, w in re.findall(r"^(\d+) (\d+) (\d+) 1 re$", ops, re.M):
        dark.update((int(y), int(x) + i) for i in range(int(w)))
    assert dark == dark_modules(bill.qr_modules)
    assert ops.rstrip().endswith("f Q\n/QrBillDrawing Do")


def test_invoice_shows_qrbills_texts_where_qrbill_has_them():
    """Every text of qrbill's payment part is laid out with its baseline and start (or end,
    for the right-aligned ones) where qrbill's SVG puts it, to 0.01 mm; the letter is there."""

    request, bill = invoice(), get("billing.qr_invoice").call(invoice(), idempotency_key="t")
    html = qr_invoice_html(request, bill, title=TITLE, issue_date="28.11.2026")
    document = render_document(html, stylesheets=[STYLESHEET])
    boxes = text_boxes(document)
    texts = re.findall(r"<text ([^>]*)>([^<]*)</text>", bill.svg.decode())
    assert len(texts) >= 30
    for attributes, text in texts:
        text = html_unescape(text)
        x = float(re.search(r' x="([\d.]+)"', attributes)[1]) * 25.4 / 90
        y = 191 + float(re.search(r' y="([\d.]+)"', attributes)[1]) * 25.4 / 90
        end = 'text-anchor="end"' in attributes
        assert any(
            t == text
            and abs(baseline - y) < 0.01
            and abs((left + width if end else left) - x) < 0.01
            for t, left, baseline, width in boxes
        ), (text, x, y)
    letter = layout_text(document)
    for expected in (TITLE, "Anna Muster", "28.11.2026", "10 59000 00000 00002 02600 01236",
                     "Wohnsitzbestätigung", "CHF 30.00", "QR-Einzahlungsschein"):  # fmt: skip
        assert expected in letter, expected


def test_reused_drawing_is_what_weasyprint_draws_for_the_svg():
    """The payment part's lines, scissors and Swiss cross, drawn once and reused as a form, are
    the same drawing operations as the SVG image WeasyPrint draws in the invoice itself."""

    request, bill = invoice(), get("billing.qr_invoice").call(invoice(), idempotency_key="d")
    payment = _payment_part(bill.svg, bill.qr_modules)
    drawing = reusable_drawing(payment_drawing_html(payment), stylesheets=[STYLESHEET])
    assert drawing is not None
    with_image = render_document(
        qr_invoice_html(request, bill, title=TITLE, issue_date="1.1.2027"), stylesheets=[STYLESHEET]
    )
    page = with_image.write_pdf(uncompressed_pdf=True)

    def geometry(operations: bytes) -> list[bytes]:
        lines = re.sub(rb"BT.*?ET", b"", operations, flags=re.S).splitlines()
        return [line for line in lines if re.search(rb" (m|l|c|re|h|S|f|d|w|rg|RG)$", line)]

    drawn = geometry(
        next(d for h, d in streams(page).values() if b"BT" in d and b"/Length1" not in h)
    )
    reused = geometry(drawing.operations)
    assert len(reused) > 100
    assert any(drawn[i : i + len(reused)] == reused for i in range(len(drawn)))
    _, _, pdf = render_invoice()
    forms = [h for h, _ in streams(pdf).values() if b"/Subtype /Form" in h]
    assert len(forms) == 1


def test_a_drawing_with_text_is_not_reused():
    """Only lines and fills are taken over; a drawing needing fonts is drawn in place."""
    assert reusable_drawing("<p>Zahlteil</p>") is None
    assert reusable_drawing("<p style='border-top: 1px solid'></p>") is not None


def test_invoice_without_debtor_shows_the_blank_fields():
    """Without a debtor qrbill draws the corner marks for name and address (a drawing of its
    own, reused as well); the PDF is still one page with the payment part."""
    _, bill, pdf = render_invoice(invoice(debtor=None))
    assert "Zahlbar durch (Name/Adresse)" in bill.svg.decode()
    assert pdf.startswith(b"%PDF-")
    assert [h for h, _ in streams(pdf).values() if b"/Subtype /Form" in h]


def test_invoice_draws_the_svg_in_place_when_it_cannot_be_reused(monkeypatch):
    """Should the drawing need more than lines and fills, the invoice has it as SVG image."""
    from integrations.adapters.qr_invoice import invoice_pdf

    monkeypatch.setattr(invoice_pdf, "reusable_drawing", lambda *args, **kwargs: None)
    *_, pdf = render_invoice()
    contents = streams(pdf).values()
    assert not [h for h, _ in contents if b"/Subtype /Form" in h]
    qr = next(d for _, d in contents if d.startswith(b"q 0 g "))
    assert b"Do" not in qr and qr.rstrip().endswith(b"f Q")
    page = next(d for h, d in contents if b"BT" in d and b"/Length1" not in h)
    assert b"[2 2] 0 d" in page  # qrbill's dashed separation lines, drawn from the SVG
