"""German first: the language is German unless the visitor chose another one explicitly.

A choice made on one host travels to another through a ``?lang=en`` hop on the links between
them (``tenants.language_links``): the target host stores it in its own language cookie and
redirects to the clean address. Browsers keep cookies per host under ``localhost``, so without
the hop English chosen on ``localhost`` would be German again on ``kriens.localhost``.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from tenants.language_links import LANG_PARAM


def _supported() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def _clean_address(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop(LANG_PARAM, None)
    # One leading slash: "//host" would be a protocol-relative address on another site.
    path = "/" + request.path.lstrip("/")
    return f"{path}?{query.urlencode()}" if query else path


class GermanFirstLocaleMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but the browser's Accept-Language is not consulted:
    the portal speaks German (de-CH) until the visitor switches language (cookie)."""

    def process_request(self, request):
        if LANG_PARAM in request.GET and request.method in ("GET", "HEAD"):
            return self._hop(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in _supported() else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def _hop(self, request: HttpRequest) -> HttpResponseRedirect:
        """``?lang=en`` from a link of another host: keep the language, drop the parameter.
        An unknown language changes nothing."""
        response = HttpResponseRedirect(_clean_address(request))
        language = request.GET.get(LANG_PARAM, "")
        if language in _supported():
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
