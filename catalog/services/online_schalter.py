"""Import of a commune's old Online-Schalter offers (CSV or XLSX), replacing them by offers at
stage ``link`` with the old URL.

Columns (header row, names as below or their German forms): ``bfs_number`` (BFS-Nr.),
``service`` (key or German title; Leistung/Titel), ``url`` (Link). Titles are matched with the
catalogue's German search (the best hit). The whole file is checked first: an unreadable file,
a missing column, an unknown BFS number or a bad URL names the row and nothing is imported.
Rows whose service is not found are listed (``unmatched``) for a decision; offers already at
``form``/``automated``, or at ``link`` with the same URL, are ``skipped``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from tenants.context import in_commune
from tenants.models import Commune

from ..models import Service
from ..offers.models import ServiceOffer, Stage
from ..selectors import service_search
from .offers import OFFER_FIELDS, offer_set

HEADERS = {
    "bfs_number": ("bfs_number", "bfs", "bfs-nr.", "bfs-nr", "bfs_nr", "gemeinde_bfs"),
    "service": ("service", "service_key", "key", "title", "leistung", "titel", "dienstleistung"),
    "url": ("url", "link", "link_url", "adresse"),
}
MAX_ROWS = 20_000


class OnlineSchalterFileError(ValidationError):
    """The file cannot be imported; the messages name the rows. Nothing was imported."""


@dataclass(frozen=True)
class Row:
    line: int
    commune: Commune
    text: str
    url: str


@dataclass
class OnlineSchalterResult:
    linked: int = 0
    skipped: int = 0
    unmatched: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "linked": self.linked,
            "unmatched": len(self.unmatched),
            "skipped": self.skipped,
            "unmatched_rows": self.unmatched,
        }


def _read_rows(path: Path) -> list[list[str]]:
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise OnlineSchalterFileError(
                f"Die Datei ist keine lesbare XLSX-Datei ({type(exc).__name__})."
            ) from None
        return [
            ["" if v is None else str(v).strip() for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OnlineSchalterFileError("Die Datei ist nicht in UTF-8 kodiert.") from None
    dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    return [[v.strip() for v in row] for row in csv.reader(io.StringIO(text), delimiter=dialect)]


def _columns(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    found, missing = {}, []
    for column, aliases in HEADERS.items():
        index = next((i for i, n in enumerate(names) if n in aliases), None)
        if index is None:
            missing.append(column)
        else:
            found[column] = index
    if missing:
        raise OnlineSchalterFileError(
            f"Zeile 1: Spalte(n) fehlen: {', '.join(missing)} (erwartet: bfs_number, service, url)."
        )
    return found


def online_schalter_parse(path: Path) -> list[Row]:
    """Read and check the whole file; ``OnlineSchalterFileError`` names every bad row."""
    raw = [r for r in _read_rows(path) if any(v for v in r)]
    if not raw:
        raise OnlineSchalterFileError("Die Datei ist leer.")
    if len(raw) > MAX_ROWS:
        raise OnlineSchalterFileError(f"Höchstens {MAX_ROWS} Zeilen pro Datei.")
    columns = _columns(raw[0])
    communes = {c.bfs_number: c for c in Commune.objects.all()}
    check_url = URLValidator(schemes=["https", "http"])
    rows, errors = [], []
    for line, values in enumerate(raw[1:], start=2):
        cell = {k: (values[i] if i < len(values) else "") for k, i in columns.items()}
        bfs = cell["bfs_number"]
        commune = communes.get(int(bfs)) if bfs.isascii() and bfs.isdigit() else None
        if commune is None:
            errors.append(f"Zeile {line}: unbekannte BFS-Nummer «{bfs[:20]}».")
            continue
        if not commune.is_active:
            errors.append(f"Zeile {line}: {commune.name} ist fusioniert.")
            continue
        if not cell["service"]:
            errors.append(f"Zeile {line}: Leistung (Schlüssel oder Titel) fehlt.")
            continue
        try:
            check_url(cell["url"])
        except ValidationError:
            errors.append(f"Zeile {line}: ungültige URL «{cell['url'][:80]}».")
            continue
        rows.append(Row(line, commune, cell["service"][:200], cell["url"]))
    if errors:
        raise OnlineSchalterFileError(errors)
    return rows


def service_match(text: str) -> Service | None:
    """A catalogue service by key, else by the German search's best hit for the title."""
    service = Service.objects.filter(
        key=text.strip().lower(), retired_at__isnull=True, owner_commune__isnull=True
    ).first()
    if service is not None:
        return service
    hits = [v for v in service_search(q=text, limit=5) if v.service.owner_commune_id is None]
    return hits[0].service if hits else None


def _link(row: Row, service: Service) -> bool:
    """Offer ``service`` at ``link`` in the row's commune; False when there is nothing to do."""
    with in_commune(row.commune):
        offer = ServiceOffer.objects.filter(service=service).first()
        if (
            offer is not None
            and offer.active
            and (offer.stage != Stage.LINK or offer.link_url == row.url)
        ):
            return False
        keep = {} if offer is None else {n: getattr(offer, n) for n in OFFER_FIELDS}
        keep.update(active=True, stage=Stage.LINK, link_url=row.url)
        offer_set(service=service, **keep)
    return True


@transaction.atomic
def online_schalter_import(*, path: Path) -> OnlineSchalterResult:
    """Import the file (see module doc): all or nothing for bad files, every row of a good
    file either linked, skipped or listed as unmatched."""
    rows = online_schalter_parse(path)
    result = OnlineSchalterResult()
    for row in rows:
        service = service_match(row.text)
        if service is None:
            result.unmatched.append(
                {"line": row.line, "bfs_number": row.commune.bfs_number, "service": row.text}
            )
            continue
        try:
            linked = _link(row, service)
        except ValidationError as exc:
            raise OnlineSchalterFileError(
                [f"Zeile {row.line}: {row.commune.name}, {service.key}: {m}" for m in exc.messages]
            ) from None
        if linked:
            result.linked += 1
        else:
            result.skipped += 1
    return result
