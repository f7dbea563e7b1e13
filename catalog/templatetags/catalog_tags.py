"""Template helpers of the catalogue pages."""

from decimal import Decimal

from django import template
from django.utils.translation import get_language

from catalog.formdefs import text_in

register = template.Library()


def _lang() -> str:
    return (get_language() or "de")[:2]


@register.filter
def localized(obj, field: str) -> str:
    """``version|localized:"name"`` → ``name_en`` in English if filled, else ``name_de``
    (``legal_basis`` and ``authority`` of a version too)."""
    if hasattr(obj, "text_in"):
        return obj.text_in(field, _lang())
    if _lang() != "de":
        value = getattr(obj, f"{field}_{_lang()}", "")
        if value:
            return value
    return getattr(obj, f"{field}_de", "")


@register.filter
def in_language(value) -> str:
    """A ``{"de": …, "en": …}`` object (or a plain string) in the current language."""
    return text_in(value, _lang())


@register.filter
def chf(amount) -> str:
    """``Decimal("1250.5")`` → ``CHF 1'250.50``; 0 → ``kostenlos``."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    if amount == 0:
        return "kostenlos" if _lang() == "de" else "free of charge"
    whole, cents = f"{amount:.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", "'")
    return f"CHF {grouped}.{cents}"
