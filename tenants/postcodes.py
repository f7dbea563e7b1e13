"""Postcodes of the Luzern communes, from the vendored list ``data/luzern/luzern_postcodes.csv``
(see ``data/luzern/SOURCES.md``). Plain Python without models, so that the reference servers,
which run without Django's apps, can read it too; the portal reads it through
``tenants.selectors``."""

from __future__ import annotations

import csv
import functools
from pathlib import Path

POSTCODES_FILE = Path(__file__).resolve().parent / "data" / "luzern" / "luzern_postcodes.csv"


@functools.cache
def luzern_postcodes() -> dict[int, tuple[str, str]]:
    """BFS number → (official name, postcode) of every Luzern commune valid since 2020 (merged
    ones included), in BFS order."""
    with POSTCODES_FILE.open(encoding="utf-8", newline="") as f:
        rows = [(int(r["bfs_number"]), r["name"], r["postcode"]) for r in csv.DictReader(f)]
    return {bfs: (name, postcode) for bfs, name, postcode in sorted(rows)}


def commune_postcode(bfs_number: int) -> str:
    """The commune's postcode, "" for a commune the list does not have."""
    known = luzern_postcodes().get(bfs_number)
    return known[1] if known else ""


def communes_with_postcode(postcode: str) -> list[int]:
    """The BFS numbers of the communes with ``postcode`` (several communes may share one)."""
    postcode = postcode.strip()
    return [
        bfs for bfs, (_name, code) in luzern_postcodes().items() if postcode and code == postcode
    ]
