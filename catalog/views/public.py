"""Public host: the cantonal catalogue by topic and level, search, and one page per service."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from catalog.models import Level, Topic
from catalog.offers.models import Stage
from catalog.selectors import (
    offer_index_for_service,
    published_versions,
    service_detail,
    service_search,
    topic_list,
)
from tenants.language_links import with_language
from tenants.models import Commune
from tenants.selectors import commune_list, german_sort_key


def commune_base_url(request: HttpRequest, domain: str | None) -> str:
    """``http://kriens.localhost:8000`` for a commune's primary domain, same scheme and port."""
    port = request.get_port()
    suffix = "" if port in ("80", "443") else f":{port}"
    return f"{request.scheme}://{domain}{suffix}" if domain else ""


def _filters(request: HttpRequest) -> tuple[str, str]:
    level = request.GET.get("level", "")
    topic = request.GET.get("topic", "")
    return (level if level in Level.values else ""), topic


def catalogue_index(request: HttpRequest) -> HttpResponse:
    """All services, filterable by level and by topic or life event."""
    level, topic_slug = _filters(request)
    topic = Topic.objects.filter(slug=topic_slug).first() if topic_slug else None
    versions = published_versions(level=level or None, topic=topic.slug if topic else None)
    if (get_language() or "de")[:2] != "de":
        versions = sorted(versions, key=lambda v: (v.name_en or v.name_de).lower())
    topics = list(topic_list())
    return render(
        request,
        "catalog/public/index.html",
        {
            "versions": versions,
            "level": level,
            "level_label": Level(level).label if level else "",
            "topic": topic,
            "levels": Level.choices,
            "life_events": [t for t in topics if t.kind == Topic.Kind.LIFE_EVENT],
            "topics": [t for t in topics if t.kind == Topic.Kind.TOPIC],
        },
    )


def catalogue_search(request: HttpRequest) -> HttpResponse:
    """Full-text search over the catalogue (forgives inflection, umlauts and typos)."""
    q = request.GET.get("q", "").strip()[:200]
    level, topic = _filters(request)
    results = service_search(q=q, level=level or None, topic=topic or None) if q else []
    return render(
        request,
        "catalog/public/search.html",
        {"q": q, "results": results, "level": level, "levels": Level.choices},
    )


def service_page(request: HttpRequest, key: str) -> HttpResponse:
    """One service: texts, fee, documents, legal basis, and which communes offer it, and how."""
    version = service_detail(key=key)
    if version is None:
        raise Http404(_("Diese Dienstleistung gibt es nicht (mehr) im Katalog."))
    offers = offer_index_for_service(service=version.service)
    rows = []
    for entry in offers:
        base = commune_base_url(request, entry.commune.primary_domain)
        if entry.stage == Stage.LINK and entry.link_url:
            url = entry.link_url
        else:
            url = with_language(f"{base}/dienstleistungen/{key}/", request)
        rows.append({"commune": entry.commune, "stage": entry.stage, "url": url})
    order = {Stage.AUTOMATED: 0, Stage.FORM: 1, Stage.LINK: 2}
    rows.sort(key=lambda r: (order.get(r["stage"], 3), german_sort_key(r["commune"].name)))
    chosen = request.GET.get("gemeinde", "")
    chosen_commune = None
    if chosen:
        match = next((r for r in rows if r["commune"].slug == chosen), None)
        if match:
            return redirect(match["url"])
        chosen_commune = Commune.objects.filter(slug=chosen).first()
    return render(
        request,
        "catalog/public/service.html",
        {
            "version": version,
            "service": version.service,
            "steps": list(version.steps.all()),
            "offers": rows,
            "stages": dict(Stage.choices),
            "communes": commune_list(include_merged=False),
            "chosen_commune": chosen_commune,
            "portal_domain": settings.PORTAL_DOMAIN,
        },
    )
