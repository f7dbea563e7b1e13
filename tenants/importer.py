"""Reading the official commune lists: the vendored Luzern files and the BFS eCH-0071 list."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
LUZERN_DIR = DATA_DIR / "luzern"
BFS_COMMUNES_FILE = DATA_DIR / "bfs" / "GDEHist_GDE.txt"

# The portal's programme period: every commune that existed in it is imported.
PERIOD_START = dt.date(2021, 1, 1)
PERIOD_END = dt.date(2024, 12, 31)
POPULATION_YEARS = (2020, 2021, 2022, 2023, 2024)

COMMUNE_COLUMNS = (
    "bfs_number",
    "name",
    "district",
    "valid_from",
    "valid_to",
    *(f"population_{y}" for y in POPULATION_YEARS),
    *(f"source_{y}" for y in POPULATION_YEARS),
)
MERGER_COLUMNS = ("effective_date", "resulting_bfs_number", "absorbed_bfs_numbers")


class SourceFileError(ValueError):
    """A source file is malformed or incomplete; the message names the file and line."""


@dataclass
class CommuneRecord:
    bfs_number: int
    name: str
    district: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    populations: dict[int, tuple[int, str]] = field(default_factory=dict)
    merged_into: int | None = None
    merged_on: dt.date | None = None


def _date(value: str, where: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise SourceFileError(
            f"{where}: Datum {value!r} ist kein ISO-Datum (JJJJ-MM-TT)."
        ) from None


def _int(value: str, where: str, column: str, *, required: bool) -> int | None:
    value = value.strip()
    if not value:
        if required:
            raise SourceFileError(f"{where}: Spalte {column} ist leer.")
        return None
    try:
        number = int(value)
    except ValueError:
        raise SourceFileError(
            f"{where}: Spalte {column}: {value!r} ist keine ganze Zahl."
        ) from None
    if number < 0:
        raise SourceFileError(f"{where}: Spalte {column}: {number} ist negativ.")
    return number


def _rows(path: Path, required: tuple[str, ...]):
    if not path.is_file():
        raise SourceFileError(f"{path}: Datei nicht gefunden.")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise SourceFileError(f"{path.name}, Zeile 1: Spalten fehlen: {', '.join(missing)}.")
        for row in reader:
            where = f"{path.name}, Zeile {reader.line_num}"
            if None in row or any(v is None for v in row.values()):
                raise SourceFileError(f"{where}: falsche Anzahl Felder.")
            yield where, row


def read_luzern_communes(source_dir: Path = LUZERN_DIR) -> list[CommuneRecord]:
    """The communes that existed in the programme period, one record per BFS number."""
    records = _commune_rows(source_dir / "luzern_communes_detail.csv")
    communes = [
        record
        for bfs, rows in sorted(records.items())
        if (record := _commune_record(bfs, rows)) is not None
    ]
    if not communes:
        raise SourceFileError(f"{source_dir}: keine Gemeinde im Zeitraum 2021–2024 gefunden.")
    _apply_mergers(source_dir / "luzern_mergers_since_2020.csv", communes)
    return communes


def _commune_rows(path: Path) -> dict[int, list[tuple[str, dict]]]:
    """The validated rows of the commune list by BFS number (validity and figures parsed)."""
    records: dict[int, list[tuple[str, dict]]] = defaultdict(list)
    for where, row in _rows(path, COMMUNE_COLUMNS):
        bfs = _int(row["bfs_number"], where, "bfs_number", required=True)
        if not 1 <= bfs <= 9999:
            raise SourceFileError(f"{where}: BFS-Nummer {bfs} liegt nicht zwischen 1 und 9999.")
        for column in ("name", "district"):
            if not row[column].strip():
                raise SourceFileError(f"{where}: Spalte {column} ist leer.")
        valid_from = _date(row["valid_from"], where)
        valid_to = _date(row["valid_to"], where)
        if valid_from and valid_to and valid_to < valid_from:
            raise SourceFileError(f"{where}: valid_to liegt vor valid_from.")
        row["_valid_from"], row["_valid_to"] = valid_from, valid_to
        row["_populations"] = {}
        for year in POPULATION_YEARS:
            residents = _int(row[f"population_{year}"], where, f"population_{year}", required=False)
            if residents is not None:
                row["_populations"][year] = (residents, row[f"source_{year}"].strip())
        records[bfs].append((where, row))
    return records


def _commune_record(bfs: int, rows: list[tuple[str, dict]]) -> CommuneRecord | None:
    """One commune from its rows (latest name and district, all figures), or None when it did
    not exist in the programme period."""
    in_period = [
        r
        for _, r in rows
        if (r["_valid_from"] is None or r["_valid_from"] <= PERIOD_END)
        and (r["_valid_to"] is None or r["_valid_to"] >= PERIOD_START)
    ]
    if not in_period:
        return None
    latest = max(in_period, key=lambda r: r["_valid_from"] or dt.date.min)
    populations: dict[int, tuple[int, str]] = {}
    for where, r in rows:
        for year, figure in r["_populations"].items():
            if year in populations and populations[year][0] != figure[0]:
                raise SourceFileError(
                    f"{where}: Bevölkerung {year} von BFS {bfs} widerspricht einer früheren Zeile."
                )
            populations[year] = figure
    return CommuneRecord(
        bfs_number=bfs,
        name=latest["name"].strip(),
        district=latest["district"].strip(),
        valid_from=min((r["_valid_from"] for _, r in rows if r["_valid_from"]), default=None),
        valid_to=max(in_period, key=lambda r: r["_valid_to"] or dt.date.max)["_valid_to"],
        populations=populations,
    )


def _apply_mergers(path: Path, communes: list[CommuneRecord]) -> None:
    """Mark the absorbed communes of the merger list with the commune and date they went to."""
    by_bfs = {c.bfs_number: c for c in communes}
    for where, row in _rows(path, MERGER_COLUMNS):
        effective = _date(row["effective_date"], where)
        if effective is None:
            raise SourceFileError(f"{where}: Spalte effective_date ist leer.")
        into = _int(row["resulting_bfs_number"], where, "resulting_bfs_number", required=True)
        for part in row["absorbed_bfs_numbers"].replace(";", " ").split():
            absorbed = _int(part, where, "absorbed_bfs_numbers", required=True)
            if absorbed in by_bfs:
                if into not in by_bfs:
                    raise SourceFileError(f"{where}: aufnehmende Gemeinde {into} ist unbekannt.")
                by_bfs[absorbed].merged_into = into
                by_bfs[absorbed].merged_on = effective


@dataclass(frozen=True)
class BfsCommune:
    bfs_number: int
    name: str
    canton: str


def read_bfs_communes(
    path: Path = BFS_COMMUNES_FILE, *, active_on: dt.date | None = None
) -> list[BfsCommune]:
    """Political communes (entry mode 11) of the BFS eCH-0071 list valid on a day (default today)."""
    active_on = active_on or dt.date.today()
    communes = {}
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 15:
                raise SourceFileError(
                    f"{path.name}, Zeile {line_no}: {len(parts)} statt 15 Felder."
                )
            if parts[6] != "11":
                continue
            admitted = dt.datetime.strptime(parts[10], "%d.%m.%Y").date()
            abolished = (
                dt.datetime.strptime(parts[13], "%d.%m.%Y").date() if parts[13].strip() else None
            )
            if admitted <= active_on and (abolished is None or abolished >= active_on):
                communes[int(parts[3])] = BfsCommune(int(parts[3]), parts[4], parts[2])
    return sorted(communes.values(), key=lambda c: c.bfs_number)
