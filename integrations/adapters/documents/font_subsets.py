"""The vendored fonts only, each subset once per process (used by ``pdf.py``).

``vendored_fonts_only``: WeasyPrint's ``FontConfiguration`` on fontconfig's empty
configuration, so only the fonts of ``@font-face`` rules exist for it (the vendored Liberation
Sans; a character it lacks becomes the same .notdef box on every machine instead of another
installed font's glyph).

``install_subset_cache``: WeasyPrint subsets every embedded font for every document (HarfBuzz-
Subset where installed, fontTools otherwise: ~100-250 ms per font). For the vendored fonts the
subset holds a fixed set of glyphs instead: those of ``BASE_CHARACTERS`` (Latin letters,
punctuation, currency) and their ligatures, plus any other glyph a document uses. It is made
once per process with fontTools (without hinting and timestamp: the same bytes on every
machine) and reused for every document whose glyphs it holds; the glyph ids stay those of the
full font (``retain_gids``), as WeasyPrint's own subsets keep them. Other fonts are left to
WeasyPrint.
"""

from __future__ import annotations

import functools
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
VENDORED_FONTS = ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf")

# What names, addresses and the documents' texts are written in: Basic Latin, Latin-1, Latin
# Extended-A, the Romanian comma letters, dashes, quotes, bullets, ellipsis, per mille, guillemets,
# euro sign. A document with other characters gets a subset of its own (made once as well).
BASE_CHARACTERS = frozenset(
    [
        *range(0x20, 0x7F),
        *range(0xA0, 0x180),
        *range(0x218, 0x21C),
        *range(0x2010, 0x2027),
        0x2030,
        0x2039,
        0x203A,
        0x20AC,
    ]
)
# Distinct subsets kept per font (one for nearly every document).
MAX_SUBSETS = 16
DROP_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT")


@dataclass
class VendoredFont:
    """One vendored font file: its glyph count, the glyphs of ``BASE_CHARACTERS`` and the
    subsets made so far (glyph ids → font program)."""

    name: str
    content: bytes
    glyph_count: int
    base_glyphs: frozenset[int]
    subsets: OrderedDict[frozenset[int], bytes]
    lock: threading.Lock

    def subset(self, used: frozenset[int]) -> bytes:
        """The font program with (at least) the glyphs ``used``: the base subset if it holds
        them, otherwise one with them added."""
        glyphs = self.base_glyphs | {g for g in used if g < self.glyph_count}
        with self.lock:
            program = self.subsets.get(glyphs)
            if program is not None:
                self.subsets.move_to_end(glyphs)
                return program
        program = _subset(self.content, glyphs)
        with self.lock:
            self.subsets[glyphs] = program
            while len(self.subsets) > MAX_SUBSETS:
                self.subsets.popitem(last=False)
        return program


def _subset(content: bytes, glyphs: frozenset[int]) -> bytes:
    """``content`` (a TrueType font) with only ``glyphs`` (ids kept, others empty), no hinting,
    no layout tables, the .notdef outline kept, the timestamp unchanged."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options(
        retain_gids=True,
        passthrough_tables=True,
        ignore_missing_glyphs=True,
        hinting=False,
        desubroutinize=True,
        notdef_outline=True,
        recalc_timestamp=False,
    )
    options.drop_tables += list(DROP_TABLES)
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=sorted(glyphs))
    font = TTFont(io.BytesIO(content), recalcTimestamp=False)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _base_glyphs(content: bytes) -> tuple[int, frozenset[int]]:
    """The font's glyph count and the glyph ids of ``BASE_CHARACTERS`` with what its layout
    features (ligatures, …) substitute for them, and .notdef."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(content))
    order = {name: i for i, name in enumerate(font.getGlyphOrder())}
    subsetter = subset.Subsetter(subset.Options(notdef_outline=True, ignore_missing_glyphs=True))
    subsetter.populate(unicodes=sorted(BASE_CHARACTERS))
    subsetter._closure_glyphs(font)  # fontTools' own closure over cmap, GSUB and composites
    return len(order), frozenset(order[name] for name in subsetter.glyphs_retained)


@functools.cache
def vendored_fonts() -> dict[int, VendoredFont]:
    """Length of each vendored font file → the font (read once per process)."""
    fonts = {}
    for name in VENDORED_FONTS:
        content = (FONTS_DIR / name).read_bytes()
        count, base = _base_glyphs(content)
        fonts[len(content)] = VendoredFont(
            name, content, count, base, OrderedDict(), threading.Lock()
        )
    return fonts


def vendored_font(content: bytes) -> VendoredFont | None:
    """The vendored font whose file is ``content``, if it is one."""
    font = vendored_fonts().get(len(content))
    return font if font is not None and font.content == content else None


_install_lock = threading.Lock()


def install_subset_cache() -> None:
    """Make WeasyPrint's ``Font.subset`` take the vendored fonts' subsets from the cache
    (once per process; other fonts are subset by WeasyPrint as before)."""
    from weasyprint.pdf.fonts import Font

    with _install_lock:
        if getattr(Font.subset, "vendored_subsets", False):
            return
        weasyprint_subset = Font.subset

        def subset(self: Any, to_unicode: dict[int, str], hinting: bool) -> None:
            font = vendored_font(self.file_content) if self.index == 0 else None
            if font is None or hinting or "fvar" in self.tables:
                return weasyprint_subset(self, to_unicode, hinting)
            if to_unicode:
                self.file_content = font.subset(frozenset(to_unicode))
            return None

        subset.vendored_subsets = True  # type: ignore[attr-defined]
        Font.subset = subset


def vendored_fonts_only(font_configuration: type) -> type:
    """WeasyPrint's ``FontConfiguration`` class → a subclass whose instances start from
    fontconfig's empty configuration: no installed font, only those of ``@font-face``."""
    return _vendored_fonts_only(font_configuration)


@functools.cache
def _vendored_fonts_only(font_configuration: type) -> type:
    from weasyprint.text.ffi import ffi, fontconfig, pangoft2

    create = _fc_config_create()

    class VendoredFontsOnly(font_configuration):  # type: ignore[misc, valid-type]
        """``FontConfiguration`` without the machine's fonts (fontconfig's empty configuration
        instead of the system's): only the ``@font-face`` fonts."""

        def __init__(self) -> None:
            super().__init__()
            config = ffi.cast("FcConfig *", create())
            self._config = config
            pangoft2.pango_fc_font_map_set_config(
                ffi.cast("PangoFcFontMap *", self.font_map), config
            )
            # pango_fc_font_map_set_config keeps a reference to the configuration.
            fontconfig.FcConfigDestroy(config)

    return VendoredFontsOnly


def _fc_config_create():
    """fontconfig's ``FcConfigCreate`` (an empty configuration: no font directories, no
    rules), as a function returning the address; WeasyPrint's bindings do not declare it."""
    import cffi

    own = cffi.FFI()
    own.cdef("void *FcConfigCreate (void);")
    library = own.dlopen(_fontconfig_library())
    return lambda: int(own.cast("uintptr_t", library.FcConfigCreate()))


def _fontconfig_library() -> str:
    import ctypes.util

    return ctypes.util.find_library("fontconfig") or "libfontconfig.so.1"
