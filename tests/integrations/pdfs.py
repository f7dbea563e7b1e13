"""Looking into the PDFs WeasyPrint writes (no PDF library is installed): its objects, the
contents of its streams, its fonts."""

from __future__ import annotations

import re
import zlib

_OBJECT = re.compile(rb"(\d+) 0 obj\n(.*?)\nendobj", re.S)
_STREAM = re.compile(rb"^(<<.*?>>)\nstream\n(.*)\nendstream$", re.S)


def objects(pdf: bytes) -> dict[int, bytes]:
    """Object number → its body (dictionary, stream or value), those packed in object streams
    (``/Type /ObjStm``) too."""
    found = {int(m.group(1)): m.group(2) for m in _OBJECT.finditer(pdf)}
    for head, data in list(_streams(found).values()):
        if b"/Type /ObjStm" in head:
            first = int(re.search(rb"/First (\d+)", head).group(1))
            numbers = [int(v) for v in data[:first].split()]
            offsets = [*numbers[1::2], len(data) - first]
            for i, number in enumerate(numbers[::2]):
                found[number] = data[first + offsets[i] : first + offsets[i + 1]].strip()
    return found


def streams(pdf: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Object number → (dictionary, decompressed data) of every stream."""
    return _streams(objects(pdf))


def _streams(bodies: dict[int, bytes]) -> dict[int, tuple[bytes, bytes]]:
    found = {}
    for number, body in bodies.items():
        match = _STREAM.match(body)
        if match:
            head, data = match.groups()
            found[number] = (head, zlib.decompress(data) if b"/FlateDecode" in head else data)
    return found


def embedded_fonts(pdf: bytes) -> set[str]:
    """Base names (without the subset prefix) of the fonts whose program is embedded."""
    bodies = objects(pdf).values()
    return {
        re.search(rb"/FontName /[A-Z]{6}\+([^/\s>]+)", body).group(1).decode()
        for body in bodies
        if b"/FontFile2" in body or b"/FontFile3" in body
    }


def font_programs(pdf: bytes) -> dict[int, bytes]:
    """Object number → decompressed font program of every embedded font."""
    bodies = objects(pdf)
    numbers = {
        int(m.group(1))
        for body in bodies.values()
        for m in re.finditer(rb"/FontFile[23]? (\d+) 0 R", body)
    }
    return {number: data for number, (_, data) in _streams(bodies).items() if number in numbers}


def font_program_bytes(pdf: bytes) -> int:
    """Bytes the embedded font programs take in the file (as stored, compressed)."""
    bodies = objects(pdf)
    return sum(len(bodies[number]) for number in font_programs(pdf))


def layout_text(document) -> str:
    """The texts of a rendered WeasyPrint document's pages, margin boxes included."""

    def walk(box):
        if hasattr(box, "text"):
            yield box.text
        for child in getattr(box, "children", []):
            yield from walk(child)

    return " ".join(t for page in document.pages for t in walk(page._page_box))


def text_boxes(document):
    """(text, left, baseline, width) of every text box in millimetres on the first page."""
    mm = 25.4 / 96

    def walk(box):
        if type(box).__name__ == "TextBox":
            yield (
                box.text,
                box.position_x * mm,
                (box.position_y + box.baseline) * mm,
                box.width * mm,
            )
        for child in getattr(box, "children", []):
            yield from walk(child)

    return list(walk(document.pages[0]._page_box))
