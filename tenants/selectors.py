"""Reads on communes."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import Commune, Domain, PopulationFigure


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
