from decimal import Decimal

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def event_text(event) -> str:
    """A timeline entry in the current language (German where it has no translation)."""
    return event.text_in((get_language() or "de")[:2])


@register.filter
def chf(value) -> str:
    """Swiss money format: ``Decimal("1250.5")`` → ``CHF 1'250.50``."""
    if value in (None, ""):
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    return "CHF " + f"{amount:,.2f}".replace(",", "'")
