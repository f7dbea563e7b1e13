"""Swiss number formats for the reports: 520’433.75, 1’234, 80.0 %."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def chf(value) -> str:
    """A money amount with two places and Swiss thousands separators."""
    if value is None or value == "":
        return "–"
    return f"{Decimal(value):,.2f}".replace(",", "’")


@register.filter
def count(value) -> str:
    if value is None or value == "":
        return "–"
    return f"{int(value):,}".replace(",", "’")


@register.filter
def pct(value) -> str:
    if value is None or value == "":
        return "–"
    return f"{Decimal(value):.1f} %"


@register.filter
def get_item(mapping, key):
    """``mapping|get_item:key`` (a dict entry by a variable key)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
