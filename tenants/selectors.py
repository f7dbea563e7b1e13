"""Reads on communes."""

from __future__ import annotations

import re
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


# The per-commune configuration (tenants.configuration), re-exported.
from .configuration import commune_config as commune_config  # noqa: E402
from .configuration import commune_creditor as commune_creditor  # noqa: E402
from .configuration import commune_integration_config as commune_integration_config  # noqa: E402
from .configuration import commune_mail_sender as commune_mail_sender  # noqa: E402
from .configuration import configured_contact as configured_contact  # noqa: E402


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
    """How to reach ``commune``: from its configuration (address, phone, e-mail, web, opening
    hours; ``tenants.configuration``), its name and postcode from the vendored list
    (tenants/data/luzern) where the configuration says nothing."""
    from .configuration import configured_contact

    postcode, town = commune_postcode(bfs_number=commune.bfs_number), commune.name
    configured = configured_contact(commune)
    if configured is None:
        return CommuneContact(name=commune.name, postcode=postcode, town=town)
    lines = list(configured.address_lines)
    place = re.fullmatch(r"(\d{4}) (.+)", lines[-1]) if lines else None
    if place:
        postcode, town = place[1], place[2]
        lines = lines[:-1]
    if lines and lines[0].endswith(commune.name):
        lines = lines[1:]  # "Gemeinde Kriens": the card's heading says so already
    return CommuneContact(
        name=commune.name,
        postcode=postcode,
        town=town,
        website=configured.web,
        email=configured.email,
        phone=configured.phone,
        address=", ".join(lines),
        hours=[_hours_pair(line) for line in configured.opening_hours],
    )


def _hours_pair(line: str) -> tuple[str, str]:
    """ "Montag–Freitag 08.00–11.45" → ("Montag–Freitag", "08.00–11.45"); a line without times
    stays whole."""
    match = re.match(r"(.+?)\s+((?:\d|bis |ab ).*)$", line)
    return (match[1], match[2]) if match else (line, "")
