"""The report as PDF, drawn directly with pydyf (WeasyPrint's PDF writer) in a few ms per page.

Laying the report out as HTML took WeasyPrint 5–10 s for its eight pages (issue 12 asks for
≤ 1 s over 1,000,000 cases). The report is a fixed sequence of headings, tables and simple
charts, so it is drawn here with the PDF standard fonts Helvetica and Helvetica-Bold
(WinAnsi encoding: German umlauts, ’ and – included; not embedded, every PDF reader has them).
Every chart is followed by its table, as on the page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from numbers import Real

import pydyf

PAGE_W, PAGE_H = 595, 842  # A4 in points
LEFT, RIGHT, TOP, BOTTOM = 42, 553, 800, 50
BLUE, ORANGE, GREEN, GREY = (0, 0.353, 0.612), (0.702, 0.349, 0), (0.106, 0.431, 0.125), (0.3,) * 3
COLOURS = (BLUE, ORANGE, GREEN)
# Helvetica advance widths (1/1000 em) of the characters the figures use; others ≈ 556.
_WIDTHS = {
    " ": 278,
    ".": 278,
    ",": 278,
    "’": 222,
    "-": 333,
    "–": 556,
    "%": 889,
    "(": 333,
    ")": 333,
    "/": 278,
    ":": 278,
    "i": 222,
    "l": 222,
    "j": 222,
    "f": 278,
    "t": 278,
    "r": 333,
    "I": 278,
    "m": 833,
    "w": 722,
    "M": 833,
    "W": 944,
}


def _encode(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_width(text: str, size: Real) -> Real:
    return sum(_WIDTHS.get(c, 556) for c in text) * size / 1000


def _fit(text: str, width: Real, size: Real) -> str:
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def number(value, unit: str = "") -> str:
    """Swiss format: 520’433.75 (CHF), 1’234 (counts), 80.0 % (shares); – for none."""
    if value is None or value == "":
        return "–"
    if unit == "CHF":
        return f"{Decimal(value):,.2f}".replace(",", "’")
    if unit == "%":
        return f"{Decimal(value):.1f} %"
    if isinstance(value, Decimal | int):
        return f"{value:,}".replace(",", "’")
    return str(value)


class Canvas:
    """Pages of drawing operations, written top to bottom (``self.y`` falls)."""

    def __init__(self) -> None:
        self.pages: list[pydyf.Stream] = []
        self.y = TOP
        self.new_page()

    @property
    def page(self) -> pydyf.Stream:
        return self.pages[-1]

    def new_page(self) -> None:
        self.pages.append(pydyf.Stream(compress=True))
        self.y = TOP

    def ensure(self, height: Real) -> None:
        if self.y - height < BOTTOM:
            self.new_page()

    def text(
        self, x, y, text: str, *, size=8.0, bold=False, align="left", colour=(0, 0, 0), page=None
    ):
        if align == "right":
            x -= text_width(text, size)
        elif align == "center":
            x -= text_width(text, size) / 2
        page = page or self.page
        page.set_color_rgb(*colour)
        page.begin_text()
        page.set_font_size("F2" if bold else "F1", size)
        page.set_text_matrix(1, 0, 0, 1, round(x, 2), round(y, 2))
        page.show_text(b"(" + _encode(text) + b")")
        page.end_text()

    def rect(self, x, y, w, h, colour) -> None:
        self.page.set_color_rgb(*colour)
        self.page.rectangle(round(x, 2), round(y, 2), round(w, 2), round(h, 2))
        self.page.fill()

    def line(self, points: Sequence[tuple[Real, Real]], colour, width=1.0, dash=False):
        page = self.page
        page.set_color_rgb(*colour, stroke=True)
        page.set_line_width(width)
        page.set_dash(pydyf.Array([5, 3] if dash else []), 0)
        page.move_to(*(round(v, 2) for v in points[0]))
        for x, y in points[1:]:
            page.line_to(round(x, 2), round(y, 2))
        page.stroke()

    def heading(self, text: str, size: Real = 12) -> None:
        self.ensure(size + 60)
        self.y -= size + 6
        self.text(LEFT, self.y, text, size=size, bold=True, colour=BLUE)
        self.y -= 6

    def paragraph(self, text: str, size: Real = 8) -> None:
        words, line = text.split(), ""
        for word in words:
            if text_width(f"{line} {word}", size) > RIGHT - LEFT:
                self._line(line, size)
                line = word
            else:
                line = f"{line} {word}".strip()
        if line:
            self._line(line, size)
        self.y -= 4

    def _line(self, text: str, size: Real) -> None:
        self.ensure(size + 3)
        self.y -= size + 3
        self.text(LEFT, self.y, text, size=size)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence], units: Sequence[str]):
        """A table; the first column is text, the others figures (right-aligned by unit)."""
        count = len(headers)
        first = (RIGHT - LEFT) * (0.34 if count > 3 else 0.5)
        rest = (RIGHT - LEFT - first) / max(count - 1, 1)
        rights = [LEFT + first + rest * (i + 1) - 2 for i in range(count - 1)]

        def header() -> None:
            self.y -= 11
            self.rect(LEFT, self.y - 3, RIGHT - LEFT, 12, (0.95, 0.96, 0.97))
            self.text(LEFT + 2, self.y, _fit(headers[0], first - 4, 7), size=7, bold=True)
            for i, h in enumerate(headers[1:]):
                self.text(rights[i], self.y, _fit(h, rest - 4, 7), size=7, bold=True, align="right")

        self.ensure(30)
        header()
        for row in rows:
            if self.y - 10 < BOTTOM:
                self.new_page()
                header()
            self.y -= 10
            self.text(LEFT + 2, self.y, _fit(str(row[0]), first - 4, 7.5), size=7.5)
            for i, value in enumerate(row[1:]):
                self.text(rights[i], self.y, number(value, units[i]), size=7.5, align="right")
        self.y -= 8

    def bars(
        self,
        labels: Sequence[str],
        series: Sequence[tuple[str, list]],
        unit: str,
        maximum: Decimal | None = None,
        target: Decimal | None = None,
    ) -> None:
        """Horizontal bars, one group per label, one bar per series (like the page's SVG)."""
        values = [v for _, vs in series for v in vs]
        top = maximum or max([*values, Decimal(0)]) or Decimal(1)
        bar = 5 if len(labels) > 20 else 8
        label_w, area = 150, RIGHT - LEFT - 150 - 70
        group = bar * len(series) + 2
        self.ensure(min(len(labels) * group + 20, 400))
        if len(series) > 1:
            self.y -= 10
            for i, (name, _) in enumerate(series):
                self.rect(LEFT + label_w + i * 90, self.y, 8, 8, COLOURS[i])
                self.text(LEFT + label_w + i * 90 + 12, self.y + 1, name, size=7)
        for row, label in enumerate(labels):
            if self.y - group < BOTTOM:
                self.new_page()
            self.y -= group
            self.text(
                LEFT + label_w - 4,
                self.y + 1,
                _fit(label, label_w - 8, 6.5),
                size=6.5,
                align="right",
            )
            for i, (_, vs) in enumerate(series):
                value = vs[row] or Decimal(0)
                w = max(value, 0) * area / top
                y = self.y + (len(series) - 1 - i) * bar
                self.rect(LEFT + label_w, y, w, bar - 1, COLOURS[i])
                self.text(LEFT + label_w + w + 3, y + 1, number(value, unit), size=6)
        if target is not None:
            x = LEFT + label_w + target * area / top
            self.line([(x, self.y - 2), (x, self.y + group * min(len(labels), 3))], GREY, dash=True)
        self.y -= 10

    def lines(self, labels: Sequence[str], series: Sequence[tuple[str, list]], unit: str):
        """A line chart over periods; the second series dashed (the budget or target line)."""
        height, width, left = 110, RIGHT - LEFT - 70, LEFT + 60
        self.ensure(height + 40)
        values = [v or Decimal(0) for _, vs in series for v in vs]
        top, low = max([*values, Decimal(0)]) or Decimal(1), min([*values, Decimal(0)])
        span = (top - low) or Decimal(1)
        base = self.y - height - 14
        self.y -= 10
        for i, (name, _) in enumerate(series):
            self.rect(left + i * 120, self.y, 8, 8, COLOURS[i])
            self.text(left + i * 120 + 12, self.y + 1, name, size=7)
        steps = max(len(labels) - 1, 1)

        def y_of(v) -> Decimal:
            return base + ((v or Decimal(0)) - low) * height / span

        self.line([(left, y_of(Decimal(0))), (left + width, y_of(Decimal(0)))], GREY, 0.5)
        self.text(left - 4, y_of(top) - 2, number(top, unit), size=6, align="right")
        self.text(left - 4, y_of(Decimal(0)) - 2, number(Decimal(0), unit), size=6, align="right")
        for i, (_, vs) in enumerate(series):
            points = [(left + k * width / steps, y_of(v)) for k, v in enumerate(vs)]
            if len(points) == 1:
                points.append((left + width, points[0][1]))
            if points:
                self.line(points, COLOURS[i], 1.5, dash=i == 1)
        every = max(1, len(labels) // 8)
        for k in range(0, len(labels), every):
            self.text(left + k * width / steps, base - 10, labels[k], size=6, align="center")
        self.y = base - 20

    def write(self) -> bytes:
        pdf = pydyf.PDF()
        fonts = {}
        for key, name in (("F1", "Helvetica"), ("F2", "Helvetica-Bold")):
            font = pydyf.Dictionary(
                {
                    "Type": "/Font",
                    "Subtype": "/Type1",
                    "BaseFont": f"/{name}",
                    "Encoding": "/WinAnsiEncoding",
                }
            )
            pdf.add_object(font)
            fonts[key] = font.reference
        resources = pydyf.Dictionary({"Font": pydyf.Dictionary(fonts)})
        total = len(self.pages)
        for index, stream in enumerate(self.pages, start=1):
            self.text(RIGHT, 28, f"Seite {index} von {total}", size=7, align="right", page=stream)
            pdf.add_object(stream)
            page = pydyf.Dictionary(
                {
                    "Type": "/Page",
                    "Parent": pdf.pages.reference,
                    "MediaBox": pydyf.Array([0, 0, PAGE_W, PAGE_H]),
                    "Contents": stream.reference,
                    "Resources": resources,
                }
            )
            pdf.add_page(page)
        out = io.BytesIO()
        pdf.write(out, compress=True)
        return out.getvalue()
