"""Template helpers of the account pages."""

import datetime as dt
import math

from django import template

register = template.Library()


@register.filter
def whole_minutes(value: dt.timedelta | None) -> int:
    """A lockout's cool-off in whole minutes, at least one (axes' ``cooloff_timedelta``)."""
    if not isinstance(value, dt.timedelta):
        return 0
    return max(1, math.ceil(value.total_seconds() / 60))
