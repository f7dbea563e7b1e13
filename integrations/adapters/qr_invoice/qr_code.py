"""The QR code of a QR-bill as modules, runs and SVG path (shared by the bill and its PDF)."""

from __future__ import annotations

import re

import qrcode

from .masks import QRCode


def qr_modules(payload: str) -> tuple[str, ...]:
    """The QR code of ``payload`` as qrbill makes it (``qrcode``, error correction M, the
    smallest version that fits, the best mask, no quiet zone; the mask chosen faster by
    ``masks.QRCode``, to the same symbol): one string per row, "1" for a dark module."""
    code = QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(payload)
    code.make(fit=True)
    return tuple("".join("1" if dark else "0" for dark in row) for row in code.modules)


def qr_runs(modules: tuple[str, ...]):
    """(row, first column, length) of each horizontal run of dark modules."""
    for y, row in enumerate(modules):
        for match in re.finditer("1+", row):
            yield y, match.start(), match.end() - match.start()


def qr_path(modules: tuple[str, ...]) -> str:
    """SVG path data of the dark modules (1 unit per module), one rectangle per horizontal run:
    the squares of qrcode's ``SvgPathImage`` merged along rows, a third of the data."""
    return "".join(f"M{x},{y}H{x + n}V{y + 1}H{x}z" for y, x, n in qr_runs(modules))
