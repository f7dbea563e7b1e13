"""The report as PDF, drawn directly with pydyf (WeasyPrint's PDF writer) in a few ms per page.

Laying the report out as HTML took WeasyPrint 5–10 s for its eight pages (issue 12 asks for
≤ 1 s over 1,000,000 cases). The report is a fixed sequence of headings, tables and simple
charts, so it is drawn here directly. Its font is the project's vendored Liberation Sans
(regular and bold, the documents' font), embedded whole as simple TrueType fonts with WinAnsi
encoding (German umlauts, ’, – and « » included), so the report looks the same in every
reader; the font programs are read and compressed once per process. Every chart is followed by
its table, as on the page.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from numbers import Real

import pydyf
from django.utils.translation import gettext

from integrations.adapters.documents.font_subsets import FONTS_DIR

PAGE_W, PAGE_H = 595, 842  # A4 in points
LEFT, RIGHT, TOP, BOTTOM = 42, 553, 800, 50
BLUE, ORANGE, GREEN, GREY = (0, 0.353, 0.612), (0.702, 0.349, 0), (0.106, 0.431, 0.125), (0.3,) * 3
COLOURS = (BLUE, ORANGE, GREEN)
FONT_FILES = {"F1": "LiberationSans-Regular.ttf", "F2": "LiberationSans-Bold.ttf"}
FIRST_CODE, LAST_CODE = 32, 255


@dataclass(frozen=True)
class EmbeddedFont:
    """One vendored font as the PDF needs it: the compressed program, its metrics and the
    advance widths (1/1000 em) of the WinAnsi codes 32–255."""

    name: str
    program: bytes  # FlateDecode-compressed TrueType file
    length: int  # uncompressed length (Length1)
    widths: tuple[int, ...]
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int

    def width(self, char: str) -> int:
        code = ord(char) if ord(char) < 128 else _encode(char)[0]
        if FIRST_CODE <= code <= LAST_CODE:
            return self.widths[code - FIRST_CODE]
        return 556


def _tables(content: bytes) -> dict[bytes, bytes]:
    count = struct.unpack_from(">H", content, 4)[0]
    tables = {}
    for index in range(count):
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", content, 12 + 16 * index)
        tables[tag] = content[offset : offset + length]
    return tables


def _glyph_of(cmap: bytes, char: int) -> int:
    """The glyph of a character in the Windows Unicode BMP subtable (format 4); 0 if none."""
    count = struct.unpack_from(">H", cmap, 2)[0]
    for index in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", cmap, 4 + 8 * index)
        if (platform, encoding) == (3, 1) and struct.unpack_from(">H", cmap, offset)[0] == 4:
            break
    else:
        return 0
    segments = struct.unpack_from(">H", cmap, offset + 6)[0] // 2
    ends = offset + 14
    starts = ends + 2 * segments + 2
    deltas, ranges = starts + 2 * segments, starts + 4 * segments
    for seg in range(segments):
        end, start = struct.unpack_from(">HH", cmap, ends + 2 * seg)[0], 0
        if end < char:
            continue
        start = struct.unpack_from(">H", cmap, starts + 2 * seg)[0]
        if start > char:
            return 0
        delta = struct.unpack_from(">h", cmap, deltas + 2 * seg)[0]
        range_offset = struct.unpack_from(">H", cmap, ranges + 2 * seg)[0]
        if range_offset == 0:
            return (char + delta) & 0xFFFF
        at = ranges + 2 * seg + range_offset + 2 * (char - start)
        glyph = struct.unpack_from(">H", cmap, at)[0]
        return (glyph + delta) & 0xFFFF if glyph else 0
    return 0


@functools.cache
def embedded_font(key: str) -> EmbeddedFont:
    """The vendored font ``F1`` (regular) or ``F2`` (bold), read once per process (its tables
    read directly: fontTools takes ~0.3 s to load a font)."""
    content = (FONTS_DIR / FONT_FILES[key]).read_bytes()
    tables = _tables(content)
    units = struct.unpack_from(">H", tables[b"head"], 18)[0]
    bbox = struct.unpack_from(">hhhh", tables[b"head"], 36)
    metrics = struct.unpack_from(">H", tables[b"hhea"], 34)[0]
    hmtx, os2 = tables[b"hmtx"], tables[b"OS/2"]
    scale = 1000 / units

    def advance(glyph: int) -> int:
        return struct.unpack_from(">H", hmtx, 4 * min(glyph, metrics - 1))[0]

    widths = []
    for code in range(FIRST_CODE, LAST_CODE + 1):
        char = bytes([code]).decode("cp1252", errors="ignore")
        glyph = _glyph_of(tables[b"cmap"], ord(char)) if char else 0
        widths.append(round(advance(glyph) * scale) if glyph else 0)
    ascender, descender = struct.unpack_from(">hh", os2, 68)
    cap_height = struct.unpack_from(">h", os2, 88)[0] if len(os2) >= 90 else 0
    return EmbeddedFont(
        name=FONT_FILES[key].removesuffix(".ttf").replace("-Regular", ""),
        program=zlib.compress(content, 1),
        length=len(content),
        widths=tuple(widths),
        bbox=tuple(round(v * scale) for v in bbox),
        ascent=round(ascender * scale),
        descent=round(descender * scale),
        cap_height=round(cap_height * scale) or 700,
    )


def _encode(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_width(text: str, size: Real, bold: bool = False) -> Real:
    font = embedded_font("F2" if bold else "F1")
    return sum(font.width(c) for c in text) * size / 1000


def _fit(text: str, width: Real, size: Real, bold: bool = False) -> str:
    if text_width(text, size, bold) <= width:
        return text
    while text and text_width(text + "…", size, bold) > width:
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
            x -= text_width(text, size, bold)
        elif align == "center":
            x -= text_width(text, size, bold) / 2
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
            self.text(LEFT + 2, self.y, _fit(headers[0], first - 4, 7, True), size=7, bold=True)
            for i, h in enumerate(headers[1:]):
                label = _fit(h, rest - 4, 7, True)
                self.text(rights[i], self.y, label, size=7, bold=True, align="right")

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
        fonts = {key: _font_object(pdf, embedded_font(key), key == "F2") for key in FONT_FILES}
        resources = pydyf.Dictionary({"Font": pydyf.Dictionary(fonts)})
        total = len(self.pages)
        for index, stream in enumerate(self.pages, start=1):
            label = gettext("Seite %(page)s von %(pages)s") % {"page": index, "pages": total}
            self.text(RIGHT, 28, label, size=7, align="right", page=stream)
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


def _font_object(pdf: pydyf.PDF, font: EmbeddedFont, bold: bool) -> str:
    """Add the font program, its descriptor and the font dictionary; the font's reference."""
    program = pydyf.Stream(
        [font.program], {"Filter": "/FlateDecode", "Length1": font.length}, compress=False
    )
    pdf.add_object(program)
    descriptor = pydyf.Dictionary(
        {
            "Type": "/FontDescriptor",
            "FontName": f"/{font.name}",
            "Flags": 32,  # nonsymbolic: the WinAnsi codes map through the font's Unicode cmap
            "FontBBox": pydyf.Array(font.bbox),
            "ItalicAngle": 0,
            "Ascent": font.ascent,
            "Descent": font.descent,
            "CapHeight": font.cap_height,
            "StemV": 140 if bold else 80,
            "FontFile2": program.reference,
        }
    )
    pdf.add_object(descriptor)
    dictionary = pydyf.Dictionary(
        {
            "Type": "/Font",
            "Subtype": "/TrueType",
            "BaseFont": f"/{font.name}",
            "FirstChar": FIRST_CODE,
            "LastChar": LAST_CODE,
            "Widths": pydyf.Array(font.widths),
            "Encoding": "/WinAnsiEncoding",
            "FontDescriptor": descriptor.reference,
        }
    )
    pdf.add_object(dictionary)
    return dictionary.reference
