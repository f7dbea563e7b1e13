"""Reads on communes."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Collate

from .models import Commune, Domain, PopulationFigure
from .postcodes import commune_postcode as _postcode
from .postcodes import communes_with_postcode

# Swiss German collation (ICU, shipped with PostgreSQL): "Büron" sorts between "Buchrain" and
# "Buttisholz", not after every plain "Bu…" as the byte order of the database would have it.
GERMAN = "de-CH-x-icu"


def german_name_order(field: str = "name") -> Collate:
    """An ``order_by`` expression sorting ``field`` the way a German reader expects."""
    return Collate(field, GERMAN)


def german_sort_key(text: str) -> tuple[str, str]:
    """A Python sort key with the same order for lists sorted outside the database: umlauts
    sort with their base letter (ä → a), case does not matter, exact text breaks ties."""
    base = unicodedata.normalize("NFD", text)
    plain = "".join(ch for ch in base if not unicodedata.combining(ch))
    return (plain.casefold(), text)


def commune_list(*, q: str = "", include_merged: bool = True) -> QuerySet[Commune]:
    """Communes with their domains and population figures, in German alphabetical order."""
    qs = Commune.objects.select_related("merged_into").prefetch_related(
        Prefetch("domains", queryset=Domain.objects.order_by("-is_primary", "domain")),
        Prefetch("populations", queryset=PopulationFigure.objects.order_by("year")),
    )
    if not include_merged:
        qs = qs.filter(status=Commune.Status.ACTIVE)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by(german_name_order(), "bfs_number")


def population_by_year(commune: Commune) -> dict[str, int]:
    return {str(p.year): p.residents for p in commune.populations.all()}


def commune_postcode(*, bfs_number: int) -> str:
    """The postcode of a Luzern commune from the vendored list, "" when it has none."""
    return _postcode(bfs_number)


def commune_for_postcode(*, postcode: str) -> Commune | None:
    """The active commune with ``postcode``, if exactly one commune of the list has it
    (e.g. "6020" → Emmen; "6038" is Gisikon's and Honau's: None)."""
    matches = communes_with_postcode(postcode)
    if len(matches) != 1:
        return None
    return Commune.objects.filter(bfs_number=matches[0], status=Commune.Status.ACTIVE).first()


@dataclass(frozen=True)
class CommuneContact:
    """How a resident reaches a commune's administration. ``hours`` are (days, times) pairs;
    fields the portal does not know are empty."""

    name: str
    postcode: str
    town: str
    website: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    hours: list[tuple[str, str]] = field(default_factory=list)


def commune_contact(*, commune: Commune) -> CommuneContact:
    """What the portal knows today about reaching ``commune``: its name and postcode from the
    vendored list (tenants/data/luzern). The per-commune configuration (contact, opening
    hours) takes over here once it exists."""
    return CommuneContact(
        name=commune.name,
        postcode=commune_postcode(bfs_number=commune.bfs_number),
        town=commune.name,
    )
