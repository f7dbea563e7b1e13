"""The programme's years and phases, as booked in ``ProgrammeYear`` (no year is fixed in code)."""

from __future__ import annotations

from django.utils.translation import gettext

from ..models import Phase, ProgrammeYear


def programme_years() -> tuple[int, ...]:
    """All years of the programme, ascending (realisation and operations)."""
    return tuple(ProgrammeYear.objects.order_by("year").values_list("year", flat=True))


def programme_year(year: int) -> ProgrammeYear | None:
    """The year's financing rule, or None when the year is not part of the programme."""
    return ProgrammeYear.objects.filter(year=year).first()


def years_message(years: tuple[int, ...] | None = None) -> str:
    """The error for a year outside the programme, naming the booked range."""
    years = programme_years() if years is None else years
    if not years:
        return gettext("Es sind noch keine Programmjahre erfasst.")
    return gettext("Das Jahr muss im Programm liegen (%(first)s–%(last)s).") % {
        "first": years[0],
        "last": years[-1],
    }


def is_operations(year: ProgrammeYear | None) -> bool:
    return year is not None and year.phase == Phase.OPERATIONS
