"""The Public Innovator communes of the default start (``catalog/seed/public_innovators.csv``).

The programme has not published its list here; the file names, with its basis, the largest
commune of each Wahlkreis (population 2020). They are flagged only while no commune is flagged
at all, so a decision of the canton (in the admin) is never overwritten.
"""

from __future__ import annotations

import csv
from pathlib import Path

from tenants.models import Commune

FILE = Path(__file__).with_name("public_innovators.csv")


def public_innovators_listed() -> dict[int, str]:
    """BFS number → basis, from the vendored file."""
    with FILE.open(encoding="utf-8") as handle:
        return {int(row["bfs_number"]): row["basis"] for row in csv.DictReader(handle)}


def public_innovators_flag() -> int:
    """Flag the listed communes unless some commune is flagged already; returns how many."""
    if Commune.objects.filter(public_innovator=True).exists():
        return 0
    return Commune.objects.filter(bfs_number__in=public_innovators_listed()).update(
        public_innovator=True
    )
