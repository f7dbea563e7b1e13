"""``{% load language_links %}`` … ``href="{{ url|with_language:request }}"``."""

from django import template

from tenants.language_links import chosen_language as _chosen_language
from tenants.language_links import with_language as _with_language

register = template.Library()


@register.filter
def chosen_language(request) -> str:
    """The language the visitor chose on this host, or ""."""
    return _chosen_language(request)


@register.filter
def with_language(url, request) -> str:
    """A link to another host of the portal, carrying the chosen language."""
    return _with_language(str(url or ""), request)
