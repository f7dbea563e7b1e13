"""WeasyPrint rendering shared by the documents (certificate, QR-bill invoice).

What does not change between documents is prepared once per thread and reused: the font
configuration (creating one loads every installed font's description, ~10 ms) and the parsed
stylesheets (a few ms each). Pango's font maps are not meant to be shared between threads,
and a Dramatiq worker runs several, hence one set per thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # heavy imports, only where PDFs are made
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

_local = threading.local()


@dataclass(frozen=True)
class Pdf:
    content: bytes
    pages: int


def font_config() -> FontConfiguration:
    """This thread's font configuration (created on first use)."""
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
        _local.stylesheets = {}
    return config


def stylesheet(path: Path) -> CSS:
    """The stylesheet at ``path``, parsed once per thread."""
    config = font_config()
    sheets: dict[Path, CSS] = _local.stylesheets
    sheet = sheets.get(path)
    if sheet is None:
        from weasyprint import CSS

        sheet = sheets[path] = CSS(string=path.read_text(encoding="utf-8"), font_config=config)
    return sheet


def render_pdf(
    html: str,
    *,
    stylesheets: Sequence[Path] = (),
    finisher: Callable[[Any, Any], None] | None = None,
) -> Pdf:
    """``html`` (with the stylesheets at ``stylesheets``) as PDF. ``finisher(document, pdf)``
    may add to the ``pydyf.PDF`` before it is written (WeasyPrint's finisher hook)."""
    from weasyprint import HTML

    config = font_config()
    document = HTML(string=html).render(
        font_config=config, stylesheets=[stylesheet(p) for p in stylesheets]
    )
    return Pdf(content=document.write_pdf(finisher=finisher), pages=len(document.pages))


def warm_up(stylesheets: Sequence[Path] = ()) -> None:
    """Load the fonts (the very first rendering of a process takes about 2 s) and parse the
    stylesheets in the calling thread."""
    render_pdf(
        "<p style='font-family: DejaVu Sans'>Wohnsitzbestätigung "
        "<span style='font-family: Liberation Sans'>Zahlteil <b>Empfangsschein</b></span></p>",
        stylesheets=stylesheets,
    )
