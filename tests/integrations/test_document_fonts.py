"""The documents embed only the vendored Liberation Sans, subset once per process, and are the
same bytes whether or not the machine has fonts installed (issue 13)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from fontTools.ttLib import TTFont

from bench.render import EMPTY_FONTCONFIG, current_documents, digests
from bench.render import cases as bench_cases
from integrations.adapters.documents import font_subsets
from integrations.registry import get

from .pdfs import embedded_fonts, font_programs

ROOT = Path(__file__).resolve().parents[2]
N = 3


def _documents():
    pairs = bench_cases(N)
    invoice = get("billing.qr_invoice")
    bills = [invoice.call(request, idempotency_key="fonts") for _, request in pairs]
    return current_documents(pairs, bills)


def _names(font: TTFont) -> tuple[str, str]:
    """Full name and version string (name table IDs 4 and 5)."""
    return (font["name"].getDebugName(4), font["name"].getDebugName(5))


def test_documents_embed_only_the_vendored_fonts():
    """Both documents: Liberation Sans regular and bold, no other font; each embedded program
    is the vendored 2.1.5 file's (its names, version, glyph outlines), the base subset."""
    vendored = {
        _names(TTFont(font_subsets.FONTS_DIR / name)): TTFont(font_subsets.FONTS_DIR / name)
        for name in font_subsets.VENDORED_FONTS
    }
    assert {version for _, version in vendored} == {"Version 2.1.5"}
    for name, render in _documents().items():
        pdf = render(0)
        assert embedded_fonts(pdf) == {"Liberation-Sans", "Liberation-Sans-Bold"}, name
        programs = [TTFont(io.BytesIO(p)) for p in font_programs(pdf).values()]
        assert len(programs) == 2, name
        for program in programs:
            original = vendored[_names(program)]
            assert program.getGlyphID("Euro") == original.getGlyphID("Euro")  # ids kept
            for glyph in ("A", "adieresis", "eacute", "endash", "Euro"):
                ours, theirs = program["glyf"][glyph], original["glyf"][glyph]
                ours.expand(program["glyf"]), theirs.expand(original["glyf"])
                assert (
                    ours.getCoordinates(program["glyf"])[0]
                    == theirs.getCoordinates(original["glyf"])[0]
                ), (name, glyph)


def test_the_vendored_fonts_are_subset_once_per_process():
    documents = _documents()
    for render in documents.values():
        render(0), render(1)
    for font in font_subsets.vendored_fonts().values():
        assert len(font.subsets) == 1  # the base subset served every document


def test_a_glyph_outside_the_base_set_gets_a_subset_with_it():
    """Ж (not in the base set): a subset of its own with the glyph, the same ids."""
    font = next(iter(font_subsets.vendored_fonts().values()))
    original = TTFont(io.BytesIO(font.content))
    name = original.getBestCmap()[0x416]
    outside = original.getGlyphID(name)
    assert outside not in font.base_glyphs
    assert TTFont(io.BytesIO(font.subset(frozenset()))).getGlyphName(outside) != name
    program = TTFont(io.BytesIO(font.subset(frozenset({outside}))))
    assert program.getGlyphName(outside) == name
    assert program["glyf"][name].numberOfContours > 0
    assert font.subset(frozenset({outside})) is font.subset(frozenset({outside}))


def test_without_any_installed_font_the_documents_are_the_same_bytes(tmp_path):
    """A subprocess whose fontconfig knows no font (FONTCONFIG_FILE without <dir>) renders
    the same certificates and invoices, byte for byte."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(EMPTY_FONTCONFIG.format(cache=tmp_path / "cache"), encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    env.pop("FONTCONFIG_PATH", None)
    command = [sys.executable, "-m", "bench.render", "--fonts-only", "--rounds", "1"]
    done = subprocess.run(  # noqa: S603
        [*command, "--n", str(N)], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    bare = json.loads(done.stdout.strip().splitlines()[-1])["sha256"]
    assert bare == digests(_documents(), N)
