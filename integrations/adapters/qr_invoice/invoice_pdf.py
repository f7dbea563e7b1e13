"""The A4 invoice with the Swiss QR-bill's payment part (``qr_invoice_pdf``), one WeasyPrint
document: the letter, and qrbill's payment part at 1:1 (its texts as HTML lines on qrbill's
baselines, its lines and Swiss cross drawn once per worker and reused as a PDF form, the QR code
as filled rectangles)."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from integrations.adapters.documents.pdf import (
    Drawing,
    draw_form,
    render_pdf,
    reusable_drawing,
)

from .data import InvoiceRequest, Party, QrInvoice
from .qr_code import qr_modules, qr_path, qr_runs

STYLESHEET = Path(__file__).with_name("qr_invoice.css")
SVG_NS = "http://www.w3.org/2000/svg"
MM_PER_UNIT = 25.4 / 90  # qrbill draws in user units of 1/90 inch
BILL_TOP_MM = 297 - 106  # qrbill's SVG is 106 mm high (1 mm above the bill for the scissors)
VALUE_FONT_MM = 10 * MM_PER_UNIT  # qrbill's value font, the payment part's text blocks' font
# Liberation Sans' (= Arial's) (ascent - descent) / 2 in em: where the baseline sits in a line
# box of a fixed height (half the line height below the middle of the font's box).
BASELINE_SHIFT_EM = (0.905 - 0.212) / 2
PT_PER_MM = 72 / 25.4


def _escape(value: str) -> str:
    return (
        str(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def _address_lines(party: Party | None) -> str:
    """Name, street and place, one per line (the paragraph keeps the line breaks)."""
    if party is None:
        return ""
    lines = [
        party.name,
        f"{party.street} {party.house_number}".strip(),
        f"{party.postcode} {party.town}",
    ]
    return "\n".join(_escape(line) for line in lines if line)


@dataclass(frozen=True)
class _QrPlacement:
    left_mm: float  # from the page's left edge
    top_mm: float  # from the page's top edge
    module_mm: float


@dataclass(frozen=True)
class _PaymentPart:
    drawing: str  # qrbill's drawing without texts and QR code, as HTML (an SVG image)
    texts: str  # qrbill's texts as HTML
    qr: _QrPlacement


def _payment_part(svg: bytes, modules: tuple[str, ...]) -> _PaymentPart:
    """qrbill's payment part for the A4 invoice, at the bottom of the page: its texts become
    HTML at the same places (WeasyPrint lays SVG texts out letter by letter: slow, and without
    kerning), the QR code is left out to be drawn directly into the PDF (``_finisher``), and
    the rest (lines, scissors, Swiss cross) stays SVG."""
    root = ET.fromstring(svg)  # noqa: S314 - qrbill's output, made just before
    path = qr_path(modules)
    texts: list[ET.Element] = []
    qr: _QrPlacement | None = None
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag.removeprefix(f"{{{SVG_NS}}}")
            if tag == "text":
                texts.append(child)
            elif tag == "rect" and child.get("width") == "100%":
                pass  # the white background: it would hide the QR code drawn beneath
            elif tag == "path" and child.get("d") == path:
                qr = _qr_placement(child.get("transform", ""))
            else:
                continue
            parent.remove(child)
    if qr is None:
        raise ValueError("qrbill's SVG has no QR code path")
    image = base64.b64encode(ET.tostring(root)).decode()
    return _PaymentPart(
        drawing=f'<img class="payment-drawing" alt="" src="data:image/svg+xml;base64,{image}">',
        texts=_text_columns(texts),
        qr=qr,
    )


def _qr_placement(transform: str) -> _QrPlacement:
    match = re.fullmatch(r"translate\(([\d.]+),\s*([\d.]+)\)\s*scale\(([\d.]+)\)", transform)
    if match is None:
        raise ValueError(f"unexpected transform of qrbill's QR code: {transform!r}")
    x, y, scale = (float(v) for v in match.groups())
    return _QrPlacement(
        left_mm=x * MM_PER_UNIT,
        top_mm=BILL_TOP_MM + y * MM_PER_UNIT,
        module_mm=scale * MM_PER_UNIT,
    )


def _text_columns(texts: list[ET.Element]) -> str:
    """qrbill's texts as HTML: one absolutely placed column per x position (and alignment),
    from the top of qrbill's drawing down, in it one block per run of equally spaced lines.
    Each block's font and line height fix the baselines, so every line's baseline lands on
    qrbill's ``y``; headings are inline (with no line height of their own) in the value font's
    lines."""
    columns: dict[tuple[float, str], list[ET.Element]] = {}
    for text in texts:
        key = (float(text.get("x", 0)), text.get("text-anchor", "start"))
        columns.setdefault(key, []).append(text)
    html = []
    for (x, anchor), column in columns.items():
        x_mm = x * MM_PER_UNIT
        place = (
            f"left:0;width:{x_mm:.3f}mm;text-align:right"
            if anchor == "end"
            else f"left:{x_mm:.3f}mm;width:{210 - x_mm:.3f}mm"
        )
        blocks, bottom = [], 0.0
        for lines, height in _equally_spaced(column):
            top = lines[0][0] - height / 2 - BASELINE_SHIFT_EM * VALUE_FONT_MM
            blocks.append(
                f'<div style="margin-top:{top - bottom:.3f}mm;line-height:{height:.3f}mm">'
                + "\n".join(_text_line(text) for _, text in lines)
                + "</div>"
            )
            bottom = top + height * len(lines)
        html.append(f'<div class="qr-texts" style="{place}">{"".join(blocks)}</div>')
    return "".join(html)


def _equally_spaced(column: list[ET.Element]):
    """Runs of lines (baseline in mm, element) with the same distance between baselines,
    top to bottom, each with that distance (3.5 mm for a single line)."""
    lines = sorted((float(t.get("y", 0)) * MM_PER_UNIT, t) for t in column)
    run: list[tuple[float, ET.Element]] = []
    height = 3.5
    for y, text in lines:
        if run and (len(run) == 1 or abs(y - run[-1][0] - height) < 0.01):
            height = y - run[-1][0]
        elif run:
            yield run, height
            run, height = [], 3.5
        run.append((y, text))
    if run:
        yield run, height


def _text_line(text: ET.Element) -> str:
    size = float(text.get("font-size", 10))
    content = _escape(text.text or "")
    if text.get("font-weight") != "bold" and abs(size - 10) < 0.01:
        return content
    weight = "bold" if text.get("font-weight") == "bold" else "normal"
    return (
        f'<span style="font-size:{size * MM_PER_UNIT:.3f}mm;font-weight:{weight}">{content}</span>'
    )


def _finisher(modules: tuple[str, ...], placement: _QrPlacement, drawing: Drawing | None):
    """A WeasyPrint finisher that draws the QR code's dark modules as filled rectangles (one
    per horizontal run), then ``drawing`` (qrbill's lines and Swiss cross, as WeasyPrint drew
    them for an earlier invoice) over them, in a content stream of its own before the page's.
    Exact vector squares, no SVG to parse and draw again for every invoice."""

    def finisher(document, pdf) -> None:
        import pydyf

        size = placement.module_mm * PT_PER_MM
        left = placement.left_mm * PT_PER_MM
        top = (297 - placement.top_mm) * PT_PER_MM  # PDF's y grows upwards
        # In module units, rows downwards from the QR code's top left corner.
        runs = "\n".join(f"{x} {y} {n} 1 re" for y, x, n in qr_runs(modules))
        operations = [f"q 0 g {size:.4f} 0 0 {-size:.4f} {left:.4f} {top:.4f} cm\n{runs}\nf Q"]
        if drawing is not None:
            operations.append(draw_form(pdf, drawing, "QrBillDrawing"))
        stream = pydyf.Stream(operations, compress=True)
        pdf.add_object(stream)
        page = pdf.objects[pdf.pages["Kids"][0]]  # Kids: number, generation, "R", …
        page["Contents"] = pydyf.Array([stream.reference, page["Contents"]])

    return finisher


def _html(body: str, title: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        f"<title>{_escape(title)}</title></head><body>{body}</body></html>"
    )


def qr_invoice_html(
    request: InvoiceRequest,
    invoice: QrInvoice,
    *,
    title: str,
    issue_date: str,
    with_drawing: bool = True,
) -> str:
    """The A4 invoice as HTML (rendered with ``STYLESHEET``): the letter, and qrbill's payment
    part without its QR code (drawn into the PDF by ``qr_invoice_pdf``) and, with
    ``with_drawing=False``, without its lines and Swiss cross."""
    payment = _payment_part(invoice.svg, invoice.qr_modules or qr_modules(invoice.payload))
    return _invoice_html(request, invoice, payment, title, issue_date, with_drawing)


def _invoice_html(
    request: InvoiceRequest,
    invoice: QrInvoice,
    payment: _PaymentPart,
    title: str,
    issue_date: str,
    with_drawing: bool,
) -> str:
    return _html(
        f"""<div class="head">
<p class="lines">{_address_lines(request.creditor)}</p>
<p class="debtor lines">{_address_lines(request.debtor)}</p>
<h1>{_escape(title)}</h1>
<p class="lines">Datum: {_escape(issue_date)}
Referenz: {_escape(invoice.reference_formatted)}</p>
<div class="item heading">Leistung<span class="amount">Betrag</span></div>
<div class="item">{_escape(request.purpose)}<span class="amount">{invoice.currency} {invoice.amount:.2f}</span></div>
<p>Bitte bezahlen Sie den Betrag innert 30 Tagen mit dem QR-Einzahlungsschein.</p>
</div>
{payment.drawing if with_drawing else ""}{payment.texts}""",
        title,
    )


def qr_invoice_pdf(
    request: InvoiceRequest, invoice: QrInvoice, *, title: str, issue_date: str
) -> bytes:
    """The invoice as A4 PDF with the QR payment part at the bottom (WeasyPrint), for residents
    who print it. ``issue_date`` as printed (e.g. 28.11.2026). The payment part is qrbill's
    (``invoice.svg``): the same texts at the same places, the same lines and QR code."""
    modules = invoice.qr_modules or qr_modules(invoice.payload)
    payment = _payment_part(invoice.svg, modules)
    # The drawing is the same for (nearly) every bill: drawn once, then reused as a PDF form.
    drawing = reusable_drawing(payment_drawing_html(payment), stylesheets=[STYLESHEET])
    html = _invoice_html(request, invoice, payment, title, issue_date, drawing is None)
    return render_pdf(
        html, stylesheets=[STYLESHEET], finisher=_finisher(modules, payment.qr, drawing)
    ).content


def payment_drawing_html(payment: _PaymentPart) -> str:
    """A page with only the payment part's drawing, where the invoice has it."""
    return _html(payment.drawing)
