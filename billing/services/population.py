"""Import of population figures from CSV (bfs_number, year, residents, source).

The whole file is checked first; a single bad line rejects the file and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from tenants.models import Commune, PopulationFigure
from tenants.services import population_set

from .errors import PopulationFileError

COLUMNS = ("bfs_number", "year", "residents", "source")
FIRST_YEAR = 1990


@dataclass
class PopulationImportResult:
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    years: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class _Row:
    line: int
    commune: Commune
    year: int
    residents: int
    source: str


def _int(value: str) -> int | None:
    value = (value or "").strip().replace("'", "").replace("’", "")
    if not value or not value.lstrip("-").isdigit():
        return None
    return int(value)


def _parse(text: str, name: str) -> list[_Row]:
    errors: list[str] = []
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise PopulationFileError(
            [
                f"{name}, Zeile 1: Spalten fehlen: {', '.join(missing)} (erwartet: {', '.join(COLUMNS)})."
            ]
        )
    reader.fieldnames = header
    communes = {c.bfs_number: c for c in Commune.objects.all()}
    this_year = dt.date.today().year
    seen: dict[tuple[int, int], int] = {}
    rows: list[_Row] = []
    for raw in reader:
        where = f"{name}, Zeile {reader.line_num}"
        if None in raw or any(raw.get(c) is None for c in COLUMNS):
            errors.append(f"{where}: falsche Anzahl Felder.")
            continue
        bfs, year, residents = _int(raw["bfs_number"]), _int(raw["year"]), _int(raw["residents"])
        source = raw["source"].strip()
        line_errors = []
        if bfs is None:
            line_errors.append(f"BFS-Nummer {raw['bfs_number']!r} ist keine ganze Zahl")
        elif bfs not in communes:
            line_errors.append(f"BFS-Nummer {bfs} ist keine bekannte Gemeinde")
        if year is None:
            line_errors.append(f"Jahr {raw['year']!r} ist keine ganze Zahl")
        elif not FIRST_YEAR <= year <= this_year:
            line_errors.append(f"Jahr {year} liegt nicht zwischen {FIRST_YEAR} und {this_year}")
        if residents is None:
            line_errors.append(f"Einwohnerzahl {raw['residents']!r} ist keine ganze Zahl")
        elif residents <= 0:
            line_errors.append(f"Einwohnerzahl {residents} muss grösser als 0 sein")
        if not source:
            line_errors.append("Quelle fehlt")
        if bfs is not None and year is not None and (bfs, year) in seen:
            line_errors.append(
                f"BFS-Nummer {bfs} und Jahr {year} stehen bereits in Zeile {seen[(bfs, year)]}"
            )
        if line_errors:
            errors.append(f"{where}: {'; '.join(line_errors)}.")
            continue
        seen[(bfs, year)] = reader.line_num
        rows.append(_Row(reader.line_num, communes[bfs], year, residents, source))
    if not rows and not errors:
        errors.append(f"{name}: Die Datei enthält keine Zahlen.")
    if errors:
        raise PopulationFileError(errors)
    return rows


def population_import_csv(*, path: Path) -> PopulationImportResult:
    """Validate the whole file, then record every figure (tenants.services.population_set)."""
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise PopulationFileError([f"{path}: Datei nicht gefunden."]) from None
    except UnicodeDecodeError:
        raise PopulationFileError([f"{name}: Die Datei ist nicht UTF-8-kodiert."]) from None
    rows = _parse(text, name)
    result = PopulationImportResult()
    existing = set(
        PopulationFigure.objects.filter(year__in={r.year for r in rows}).values_list(
            "commune_id", "year"
        )
    )
    with transaction.atomic():
        for row in rows:
            changed = population_set(
                commune=row.commune, year=row.year, residents=row.residents, source=row.source
            )
            if not changed:
                result.unchanged += 1
            elif (row.commune.pk, row.year) in existing:
                result.changed += 1
            else:
                result.created += 1
            result.years.add(row.year)
    return result
