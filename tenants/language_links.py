"""Links to another host of the portal that carry the visitor's language choice.

The public host and the commune hosts keep their language cookies apart wherever no shared
cookie domain is possible (``localhost``); a link to another host therefore adds
``?lang=<code>`` when the visitor has chosen a language, and ``config.locale`` on the other
side stores it and redirects to the clean address.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest

LANG_PARAM = "lang"


def chosen_language(request: HttpRequest | None) -> str:
    """The language the visitor chose on this host (its cookie), or "" if none."""
    if request is None:
        return ""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in {code for code, _name in settings.LANGUAGES} else ""


def with_language(url: str, request: HttpRequest | None) -> str:
    """``url`` (on another host of the portal) with ``?lang=`` if a language was chosen."""
    language = chosen_language(request)
    if not language or not url:
        return url
    parts = urlsplit(url)
    query = f"{parts.query}&{LANG_PARAM}={language}" if parts.query else f"{LANG_PARAM}={language}"
    return urlunsplit(parts._replace(query=query))
