"""Number formats for the reports: Swiss in German (520’433.75, 1’234, 80.0 %), with a comma
as thousands separator in English (520,433.75, 1,234, 80.0 %)."""

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import translation

register = template.Library()


def _thousands() -> str:
    return "," if translation.get_language() == "en" else "’"


@register.filter
def chf(value) -> str:
    """A money amount with two places and the language's thousands separator."""
    if value is None or value == "":
        return "–"
    return f"{Decimal(value):,.2f}".replace(",", _thousands())


@register.filter
def count(value) -> str:
    if value is None or value == "":
        return "–"
    return f"{int(value):,}".replace(",", _thousands())


@register.filter
def day(value: dt.date | None) -> str:
    """A date: 03.02.2026 in German, 3 Feb 2026 in English."""
    if not value:
        return "–"
    if translation.get_language() == "en":
        return f"{value.day} {value:%b %Y}"
    return f"{value:%d.%m.%Y}"


@register.filter
def pct(value) -> str:
    if value is None or value == "":
        return "–"
    return f"{Decimal(value):.1f} %"


@register.filter
def get_item(mapping, key):
    """``mapping|get_item:key`` (a dict entry by a variable key)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
