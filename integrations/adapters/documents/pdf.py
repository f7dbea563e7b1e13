"""WeasyPrint rendering shared by the documents (certificate, QR-bill invoice).

What does not change between documents is prepared once per thread and reused: the font
configuration and the parsed stylesheets (a few ms each). Pango's font maps are not meant to be
shared between threads, and a Dramatiq worker runs several, hence one set per thread.

Fonts: only the vendored Liberation Sans (``fonts/``) is ever used. The font configuration is
fontconfig's *empty* configuration plus the ``@font-face`` rules (``VendoredFontsOnly``), so
the fonts a machine has installed (e.g. Debian's older Liberation Sans 1.07 of the same name)
can neither replace nor stand in for it: every machine renders the same bytes. WeasyPrint
subsets each embedded font for every document; for the vendored fonts the subset is made once
per process and reused (``font_subsets.py``), as it is the slowest part of a document (~200-500 ms
with fontTools, where HarfBuzz-Subset is missing).
"""

from __future__ import annotations

import atexit
import functools
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # heavy imports, only where PDFs are made
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

_local = threading.local()

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
# The vendored Liberation Sans (fonts/README.md): declared for every document, so that the
# layout does not depend on the fonts a machine has installed.
FONT_FACES = (("normal", "LiberationSans-Regular.ttf"), ("bold", "LiberationSans-Bold.ttf"))


def _font_faces_css() -> str:
    return "\n".join(
        f'@font-face {{ font-family: "Liberation Sans"; font-weight: {weight}; '
        f'font-style: normal; src: url("{(FONTS_DIR / name).as_uri()}"); }}'
        for weight, name in FONT_FACES
    )


@dataclass(frozen=True)
class Pdf:
    content: bytes
    pages: int


def font_config() -> FontConfiguration:
    """This thread's font configuration (created on first use)."""
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        from .font_subsets import install_subset_cache, vendored_fonts_only

        install_subset_cache()
        config = _local.font_config = vendored_fonts_only(FontConfiguration)()
        if threading.current_thread() is threading.main_thread():
            # Dropped before the interpreter tears WeasyPrint's C bindings down: otherwise
            # FontConfiguration.__del__ fails noisily at exit.
            atexit.register(_forget_thread_resources)
        _local.stylesheets = {}
        _local.font_faces = CSS(string=_font_faces_css(), font_config=config)
    return config


def _forget_thread_resources() -> None:
    for name in ("font_faces", "stylesheets", "font_config"):
        _local.__dict__.pop(name, None)


def stylesheet(path: Path) -> CSS:
    """The stylesheet at ``path``, parsed once per thread."""
    config = font_config()
    sheets: dict[Path, CSS] = _local.stylesheets
    sheet = sheets.get(path)
    if sheet is None:
        from weasyprint import CSS

        sheet = sheets[path] = CSS(string=path.read_text(encoding="utf-8"), font_config=config)
    return sheet


def render_document(html: str, *, stylesheets: Sequence[Path] = ()) -> Any:
    """``html`` laid out by WeasyPrint (a ``weasyprint.Document``) with the vendored fonts and
    the stylesheets at ``stylesheets``."""
    from weasyprint import HTML

    config = font_config()
    return HTML(string=html).render(
        font_config=config,
        stylesheets=[_local.font_faces, *(stylesheet(p) for p in stylesheets)],
    )


def render_pdf(
    html: str,
    *,
    stylesheets: Sequence[Path] = (),
    finisher: Callable[[Any, Any], None] | None = None,
) -> Pdf:
    """``html`` (with the stylesheets at ``stylesheets``) as PDF. ``finisher(document, pdf)``
    may add to the ``pydyf.PDF`` before it is written (WeasyPrint's finisher hook)."""
    document = render_document(html, stylesheets=stylesheets)
    return Pdf(content=document.write_pdf(finisher=finisher), pages=len(document.pages))


@dataclass(frozen=True)
class Drawing:
    """The PDF operations WeasyPrint draws a one-page document with (no text, no images), and
    the graphics states they use: to be drawn again in other documents, as a form."""

    operations: bytes
    graphics_states: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]
    width: float  # pt
    height: float


# Operators that would need resources a drawing does not carry along: fonts, images and forms,
# shadings, patterns and colour spaces (only the device colours and graphics states are kept).
_FOREIGN = re.compile(rb"(?:^|\s)(?:Tf|Do|sh|cs|CS|scn|SCN|BI|BDC)(?:\s|$)")


def reusable_drawing(html: str, *, stylesheets: Sequence[Path] = ()) -> Drawing | None:
    """What WeasyPrint draws for ``html`` (page 1), rendered once per process for the last 64
    distinct ones; ``None`` if it is more than lines and fills (text, images, patterns)."""
    return _capture(html, tuple(stylesheets))


@functools.lru_cache(maxsize=64)
def _capture(html: str, stylesheets: tuple[Path, ...]) -> Drawing | None:
    captured: list[Drawing | None] = []

    def finisher(document, pdf) -> None:
        page = pdf.objects[pdf.pages["Kids"][0]]
        stream = pdf.objects[_number(page["Contents"])]
        resources = pdf.objects[_number(page["Resources"])]
        items = [i.encode() if isinstance(i, str) else i for i in stream.stream]
        if not all(isinstance(i, bytes) for i in items):
            captured.append(None)
            return
        operations = b"\n".join(items)
        if _FOREIGN.search(operations):  # would need more resources than graphics states
            captured.append(None)
            return
        states = tuple(
            (name, tuple(state.items()))
            for name, state in (resources.get("ExtGState") or {}).items()
        )
        _, _, width, height = page["MediaBox"]
        captured.append(Drawing(operations, states, float(width), float(height)))

    render_pdf(html, stylesheets=stylesheets, finisher=finisher)
    return captured[0]


def _number(reference: bytes) -> int:
    return int(reference.split()[0])


def draw_form(pdf, drawing: Drawing, name: str) -> bytes:
    """Add ``drawing`` to ``pdf`` as the form XObject ``name`` (in the shared page resources);
    returns the operation that draws it (in the page's default coordinates)."""
    import pydyf

    form = pydyf.Stream(
        [drawing.operations],
        extra=pydyf.Dictionary(
            {
                "Type": "/XObject",
                "Subtype": "/Form",
                "BBox": pydyf.Array([0, 0, drawing.width, drawing.height]),
                "Resources": pydyf.Dictionary(
                    {
                        "ExtGState": pydyf.Dictionary(
                            {n: pydyf.Dictionary(dict(s)) for n, s in drawing.graphics_states}
                        )
                    }
                ),
            }
        ),
        compress=True,
    )
    pdf.add_object(form)
    page = pdf.objects[pdf.pages["Kids"][0]]
    resources = pdf.objects[_number(page["Resources"])]
    resources["XObject"][name] = form.reference
    return f"/{name} Do".encode()


def warm_up(stylesheets: Sequence[Path] = ()) -> None:
    """Load the fonts (the very first rendering of a process takes about 2 s), subset the
    vendored fonts (once per process) and parse the stylesheets in the calling thread."""
    render_pdf(
        "<p style='font-family: Liberation Sans'>Wohnsitzbestätigung "
        "Zahlteil <b>Empfangsschein</b></p>",
        stylesheets=stylesheets,
    )
