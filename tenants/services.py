"""Writes on communes: onboarding (schema cloned from the template), import, population figures."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from . import schema_clone
from .importer import LUZERN_DIR, CommuneRecord, read_luzern_communes
from .models import Commune, Domain, PopulationFigure

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "ae", "Ö": "oe", "Ü": "ue"})


def commune_slug(name: str) -> str:
    """Host label for a commune name: "Hasle (LU)" → "hasle-lu", "Flühli" → "fluehli"."""
    text = name.translate(_TRANSLITERATION)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    return text[:60]


def commune_schema_name(bfs_number: int) -> str:
    return f"gemeinde_{bfs_number}"


def commune_domain(slug: str) -> str:
    return f"{slug}.{settings.PORTAL_DOMAIN}"


# A PostgreSQL backend keeps the catalog entries of every relation it has created and never
# frees them (measured: 13 → 35 MiB over 300 communes, ~75 KiB per schema; ~160 MiB for all
# 2,110). A session starts a fresh backend after this many communes, so a run over all of
# Switzerland keeps its backend as small as at its start (one reconnect, a few ms, per 50).
ONBOARD_COMMUNES_PER_CONNECTION = 50


class OnboardingSession:
    """Onboards communes one after another from one introspection of the template."""

    def __init__(self, *, communes_per_connection: int = ONBOARD_COMMUNES_PER_CONNECTION) -> None:
        schema_clone.template_ensure()
        self.script = schema_clone.build_clone_script()
        self.communes_per_connection = communes_per_connection
        self._on_this_connection = 0

    def onboard(
        self,
        *,
        bfs_number: int,
        name: str,
        district: str = "",
        canton: str = "LU",
        slug: str | None = None,
        valid_from: dt.date | None = None,
        public_innovator: bool = False,
    ) -> Commune:
        """Create the commune row, its schema (a clone of the template) and its domain."""
        slug = slug or commune_slug(name)
        with transaction.atomic():
            commune = Commune.objects.create(
                schema_name=commune_schema_name(bfs_number),
                bfs_number=bfs_number,
                name=name,
                slug=slug,
                canton=canton,
                district=district,
                valid_from=valid_from,
                public_innovator=public_innovator,
            )
            schema_clone.clone_schema(commune.schema_name, self.script)
            Domain.objects.create(domain=commune_domain(slug), tenant=commune, is_primary=True)
        self._count_on_connection()
        return commune

    def _count_on_connection(self) -> None:
        # Never inside a caller's transaction (communes_import): closing would lose it.
        self._on_this_connection += 1
        if self._on_this_connection >= self.communes_per_connection:
            if not connection.in_atomic_block:
                connection.close()
            self._on_this_connection = 0


def commune_onboard(**fields) -> Commune:
    """Onboard one commune (see OnboardingSession.onboard for the fields)."""
    return OnboardingSession().onboard(**fields)


@dataclass
class ImportResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    populations_written: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.populations_written)


def _apply_fields(commune: Commune, values: dict) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(commune, name) != value:
            setattr(commune, name, value)
            changed = True
    if changed:
        commune.save()
    return changed


def population_set(*, commune: Commune, year: int, residents: int, source: str) -> bool:
    """Record a population figure; returns True when something changed."""
    current = PopulationFigure.objects.filter(commune=commune, year=year).first()
    if current and current.residents == residents and current.source == source:
        return False
    PopulationFigure.objects.update_or_create(
        commune=commune, year=year, defaults={"residents": residents, "source": source}
    )
    return True


def communes_import(
    *,
    source_dir: Path = LUZERN_DIR,
    today: dt.date | None = None,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> ImportResult:
    """Import the Luzern communes; a second run changes nothing.

    The source files are read and validated completely before anything is written, so a bad
    file changes nothing. Each commune is then written in its own transaction (one transaction
    for all 80 schemas would exceed PostgreSQL's lock table); a run interrupted by the database
    is completed by running it again.
    """
    today = today or dt.date.today()
    records: list[CommuneRecord] = read_luzern_communes(source_dir)
    result = ImportResult()
    existing = {c.bfs_number: c for c in Commune.objects.all()}
    session: OnboardingSession | None = None
    for record in progress(records):
        with transaction.atomic():
            session = _import_one(record, existing, session, result)

    with transaction.atomic():
        for record in records:
            _apply_merge(record, existing, today, result)
    return result


def _import_one(
    record: CommuneRecord,
    existing: dict[int, Commune],
    session: OnboardingSession | None,
    result: ImportResult,
) -> OnboardingSession | None:
    commune = existing.get(record.bfs_number)
    values = {
        "name": record.name,
        "district": record.district,
        "valid_from": record.valid_from,
        "valid_to": record.valid_to,
    }
    if commune is None:
        session = session or OnboardingSession()
        commune = session.onboard(bfs_number=record.bfs_number, name=record.name)
        _apply_fields(commune, values)
        existing[record.bfs_number] = commune
        result.created.append(record.bfs_number)
    elif _apply_fields(commune, values):
        result.updated.append(record.bfs_number)
    else:
        result.unchanged.append(record.bfs_number)
    for year, (residents, source) in sorted(record.populations.items()):
        if population_set(commune=commune, year=year, residents=residents, source=source):
            result.populations_written += 1
    return session


def _apply_merge(
    record: CommuneRecord, existing: dict[int, Commune], today: dt.date, result: ImportResult
) -> None:
    commune = existing[record.bfs_number]
    merged = record.merged_into is not None and record.merged_on <= today
    values = {
        "status": Commune.Status.MERGED if merged else Commune.Status.ACTIVE,
        "merged_into": existing[record.merged_into] if merged else None,
    }
    if _apply_fields(commune, values) and record.bfs_number in result.unchanged:
        result.unchanged.remove(record.bfs_number)
        result.updated.append(record.bfs_number)


# The per-commune configuration (tenants.configuration), re-exported.
from .configuration import COMMUNE_EDITABLE as COMMUNE_EDITABLE  # noqa: E402
from .configuration import commune_config_health_record as commune_config_health_record  # noqa: E402
from .configuration import commune_config_keys_rotate as commune_config_keys_rotate  # noqa: E402
from .configuration import commune_config_update as commune_config_update  # noqa: E402
