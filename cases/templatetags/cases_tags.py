from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def chf(value) -> str:
    """Swiss money format: ``Decimal("1250.5")`` → ``CHF 1'250.50``."""
    if value in (None, ""):
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    return "CHF " + f"{amount:,.2f}".replace(",", "'")
