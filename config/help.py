"""Help, contact and legal pages of both hosts (Kontakt, Hilfe, Impressum, Datenschutz,
Barrierefreiheit) and the commune's start page. The long texts are written per language
(``templates/help/<page>.<de|en>.html``), the frame and short texts go through gettext."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from cases.explain import status_help
from cases.selectors import popular_service_ids
from catalog.selectors import offer_list
from tenants.selectors import commune_contact

PAGES = ("kontakt", "hilfe", "impressum", "datenschutz", "barrierefreiheit")
POPULAR = 6


def _language() -> str:
    return "en" if (get_language() or "de").startswith("en") else "de"


def _contact(request: HttpRequest):
    commune = getattr(request, "commune", None)
    return commune_contact(commune=commune) if commune is not None else None


def help_page(request: HttpRequest, page: str) -> HttpResponse:
    """One of ``PAGES``, on the public host or a commune host."""
    context = {
        "page": page,
        "body": f"help/{page}.{_language()}.html",
        "contact": _contact(request),
        "statuses": status_help() if page == "hilfe" else [],
        "login_records_days": settings.AXES_RETENTION_DAYS,
    }
    return render(request, "help/page.html", context)


def popular_offers(limit: int = POPULAR) -> list:
    """The current commune's offers, most ordered first, filled up in catalogue order."""
    offers = offer_list()
    rank = {sid: i for i, sid in enumerate(popular_service_ids(limit=limit))}
    offers.sort(key=lambda a: rank.get(a.service.pk, len(rank)))
    return offers[:limit]


def commune_home(request: HttpRequest) -> HttpResponse:
    """The commune's start page: search, popular services, contact and opening hours."""
    return render(
        request,
        "commune/home.html",
        {"popular": popular_offers(), "contact": _contact(request)},
    )
