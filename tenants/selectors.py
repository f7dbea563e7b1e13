"""Reads on communes."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import Commune, Domain, PopulationFigure
from .postcodes import commune_postcode as _postcode
from .postcodes import communes_with_postcode


def commune_list(*, q: str = "", include_merged: bool = True) -> QuerySet[Commune]:
    """Communes with their domains and population figures, ordered by name."""
    qs = Commune.objects.select_related("merged_into").prefetch_related(
        Prefetch("domains", queryset=Domain.objects.order_by("-is_primary", "domain")),
        Prefetch("populations", queryset=PopulationFigure.objects.order_by("year")),
    )
    if not include_merged:
        qs = qs.filter(status=Commune.Status.ACTIVE)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("name")


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
from .configuration import CommuneContact as CommuneContact  # noqa: E402
from .configuration import commune_config as commune_config  # noqa: E402
from .configuration import commune_contact as commune_contact  # noqa: E402
from .configuration import commune_creditor as commune_creditor  # noqa: E402
from .configuration import commune_integration_config as commune_integration_config  # noqa: E402
from .configuration import commune_mail_sender as commune_mail_sender  # noqa: E402
