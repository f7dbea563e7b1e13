"""Every request passes here: input that PostgreSQL or Python cannot take is refused at the
door with a clear 400 (checks in ``tenants.safe_input``).

- ``SafeJSONParser``: the API's JSON parser; too deep, NUL characters, lone surrogates;
- ``InputSanityMiddleware``: the same characters in query parameters, for pages and the API;
- ``RequestSizeMiddleware``: a body over ``REQUEST_BODY_MAX_MB`` is refused (413) from its
  ``Content-Length``, before a byte of it is read; a body without a length is refused (411).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from config.errors import is_api, refusal
from tenants.safe_input import UnsafeInput, bad_characters_message, json_loads_checked, text_is_safe


class SafeJSONParser(JSONParser):
    """DRF's JSON parser with the checks above; refusals are 400 ``parse_error``."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        if not raw:
            raise ParseError(_("Der Inhalt fehlt."))
        try:
            return json_loads_checked(raw.decode(encoding))
        except UnicodeDecodeError as exc:
            raise ParseError(_("Ungültiges JSON.")) from exc
        except UnsafeInput as exc:
            raise ParseError(str(exc)) from exc


class InputSanityMiddleware:
    """Refuses a query string or a page's form with a NUL character (or a lone surrogate), with
    a 400 on every host: German page for pages, the API's JSON shape under ``/api/``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.params_are_safe(request.GET):
            return self.refuse(request)
        # Pages hand form values to services as they are; the API's serializers and JSON
        # parser check their own input (DRF reuses a form body read here).
        form_page = request.method == "POST" and not is_api(request)
        if form_page and not self.params_are_safe(request.POST):
            return self.refuse(request)
        return self.get_response(request)

    @staticmethod
    def params_are_safe(params) -> bool:
        return all(
            text_is_safe(key) and all(text_is_safe(value) for value in values)
            for key, values in params.lists()
        )

    @staticmethod
    def refuse(request: HttpRequest) -> HttpResponse:
        return refusal(
            request, 400, bad_characters_message(), "invalid_characters", template="400.html"
        )


class RequestSizeMiddleware:
    """First in the chain: refuses bodies over the limit before anything reads them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit = int(settings.REQUEST_BODY_MAX_MB * 1024 * 1024)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = request.META.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not length:
            return refusal(
                request,
                411,
                _("Bitte senden Sie den Inhalt mit Längenangabe (Content-Length)."),
                "length_required",
            )
        if length.isascii() and length.isdigit() and int(length) > self.limit:
            # Refused from the header alone: nothing reads the body.
            return refusal(
                request,
                413,
                _("Die Anfrage ist zu gross (höchstens %(mb)s MB).")
                % {"mb": f"{settings.REQUEST_BODY_MAX_MB:g}"},
                "too_large",
            )
        return self.get_response(request)
