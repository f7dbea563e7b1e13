"""Error pages of both URL configurations: German pages for people, the API's JSON shape
(``config.api_errors``) under ``/api/``. Nothing technical is ever shown."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _


def is_api(request: HttpRequest) -> bool:
    """Whether the request is for the API (JSON answers) rather than a page."""
    return request.path.startswith("/api/")


def refusal(
    request: HttpRequest, status: int, message: str, code: str, *, template: str = ""
) -> HttpResponse:
    """A refusal before any view ran: the API's JSON shape under ``/api/``, else the German
    page ``template`` with ``message`` (plain text without one)."""
    if is_api(request):
        return JsonResponse({"detail": message, "code": code}, status=status)
    if template:
        return render(request, template, {"message": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": _("Ungültige Anfrage."), "code": "bad_request"}, status=400)
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception or "") or _("Sie sind dafür nicht berechtigt.")
    return refusal(request, 403, message, "permission_denied", template="403.html")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": _("Nicht gefunden."), "code": "not_found"}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return JsonResponse(
            {
                "detail": _("Ein Fehler ist aufgetreten. Bitte später erneut versuchen."),
                "code": "server_error",
            },
            status=500,
        )
    # No context processors: whatever failed must not fail again while showing the page.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
