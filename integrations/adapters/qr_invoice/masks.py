"""The QR code's mask choice as ``qrcode`` makes it, in a third of the time.

To choose the mask (ISO/IEC 18004, 7.8), ``qrcode.QRCode`` builds the whole symbol eight times
and scores each candidate with loops over every module, in Python: about 10 ms for the
version 10–13 symbol of a QR-bill, most of the time a QR-bill takes. ``QRCode`` here places the
data once: the eight candidates differ only where a mask flips data modules, so each is one
XOR per row; and it scores rows and columns as bit strings (regular expressions) and integers.
The penalty rules, their quirks and the tie-break (the first lowest score) are ``qrcode``'s own
(``qrcode.util.lost_point``), so the symbol is the one ``qrcode`` makes, module for module.
"""

from __future__ import annotations

import functools
import itertools
import re

import qrcode
from qrcode import util

# Rule 1: runs of five or more modules of one colour, each scores its length - 2.
_RUN = re.compile(r"0{5,}|1{5,}")
# Rule 3: 1:1:3:1:1 finder-like patterns with four light modules before or after (40 each).
_FINDER_LIKE = re.compile(r"(?=10111010000|00001011101)")


@functools.cache
def _mask_rows(size: int) -> tuple[tuple[int, ...], ...]:
    """For each of the eight masks, one integer per row: bit ``size - 1 - column`` set where
    the mask flips a module."""
    return tuple(
        tuple(
            int("".join("1" if flips(row, col) else "0" for col in range(size)), 2)
            for row in range(size)
        )
        for flips in (util.mask_func(pattern) for pattern in range(8))
    )


def _penalty(rows: list[int], size: int) -> int:
    """``qrcode.util.lost_point`` of the symbol whose rows are ``rows``."""
    lines = [format(row, f"0{size}b") for row in rows]
    # Rows and columns in one string: no run or pattern reaches across a "|".
    text = "|".join(lines + ["".join(column) for column in zip(*lines, strict=True)])
    points = sum(len(run) - 2 for run in _RUN.findall(text))
    pairs = (1 << (size - 1)) - 1  # a 2×2 block per column pair
    for upper, lower in itertools.pairwise(rows):
        same = ~(upper ^ lower)  # per column: the two rows agree
        points += 3 * (~(upper ^ (upper >> 1)) & same & (same >> 1) & pairs).bit_count()
    points += 40 * len(_FINDER_LIKE.findall(text))
    dark = sum(row.bit_count() for row in rows)
    return points + int(abs(float(dark) / size**2 * 100 - 50) / 5) * 10


class QRCode(qrcode.QRCode):
    """``qrcode.QRCode`` with a faster, equal ``best_mask_pattern``; the final symbol is the
    best candidate with its format (and version) information filled in."""

    _data_rows: list[int] | None = None
    _best: tuple[int, list[int]] | None = None  # mask, rows as scored

    def make(self, fit=True) -> None:
        self._best = None  # chosen anew for this data
        super().make(fit)

    def makeImpl(self, test, mask_pattern) -> None:
        if test or self._best is None or self._best[0] != mask_pattern:
            super().makeImpl(test, mask_pattern)
            return
        # As qrcode's makeImpl: function patterns and masked data are the candidate's, the
        # format information (left light for scoring) is set now.
        size = self.modules_count = self.version * 4 + 17
        self.modules = [[bit == "1" for bit in format(row, f"0{size}b")] for row in self._best[1]]
        self.setup_type_info(False, mask_pattern)
        if self.version >= 7:
            self.setup_type_number(False)

    def map_data(self, data, mask_pattern) -> None:
        # The modules still empty now are the data modules (one bit per module).
        self._data_rows = [
            int("".join("1" if module is None else "0" for module in row), 2)
            for row in self.modules
        ]
        super().map_data(data, mask_pattern)

    def best_mask_pattern(self) -> int:
        self.makeImpl(True, 0)  # as qrcode scores them: mask 0, format areas left light
        size = self.modules_count
        first = [int("".join("1" if module else "0" for module in row), 2) for row in self.modules]
        masks = _mask_rows(size)
        data = self._data_rows
        candidates = [
            [row ^ ((masks[0][r] ^ masks[pattern][r]) & data[r]) for r, row in enumerate(first)]
            for pattern in range(8)
        ]
        scores = [_penalty(rows, size) for rows in candidates]
        best = scores.index(min(scores))
        self._best = (best, candidates[best])
        return best
