"""Reads on the catalogue (public schema) and on the current commune's offer."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db.models import F, FloatField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from tenants.context import current_commune
from tenants.models import Commune, Domain

from .models import Approval, OfferIndex, Service, ServiceVersion, StepDefinition, Topic
from .offers.models import ServiceOffer

# word_similarity threshold: "wohnsitzbestatigng" still finds it, "pass" does not find "Parkkarte".
TRIGRAM_THRESHOLD = 0.55


def topic_list(*, kind: str | None = None) -> QuerySet[Topic]:
    """Topics and life events that have at least one service in the catalogue."""
    qs = Topic.objects.filter(
        services__retired_at__isnull=True, services__versions__status="published"
    ).distinct()
    return qs.filter(kind=kind) if kind else qs


def published_versions(
    *, level: str | None = None, topic: str | None = None, include_retired: bool = False
) -> QuerySet[ServiceVersion]:
    """The current published version of each catalogue service, with service and topics."""
    qs = (
        ServiceVersion.objects.filter(status=ServiceVersion.Status.PUBLISHED)
        .select_related("service")
        .prefetch_related("service__topics")
        .order_by("name_de")
    )
    if not include_retired:
        qs = qs.filter(service__retired_at__isnull=True)
    if level:
        qs = qs.filter(service__level=level)
    if topic:
        qs = qs.filter(service__topics__slug=topic)
    return qs


def version_current(*, service: Service) -> ServiceVersion | None:
    """The published version of ``service`` (None while it has only drafts)."""
    return service.versions.filter(status=ServiceVersion.Status.PUBLISHED).first()


def service_detail(*, key: str) -> ServiceVersion | None:
    """The published version of the (not retired) service ``key``, with its steps."""
    return (
        published_versions()
        .filter(service__key=key)
        .prefetch_related(Prefetch("steps", queryset=StepDefinition.objects.order_by("position")))
        .first()
    )


def _normalise(text: str) -> str:
    text = text.lower().replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def search_terms(q: str) -> list[str]:
    """Lower-case, unaccented words of a query (letters and digits only)."""
    return re.findall(r"\w+", _normalise(q))[:8]


def service_search(
    *, q: str, level: str | None = None, topic: str | None = None, limit: int = 50
) -> list[ServiceVersion]:
    """Published services matching ``q``: German or English full text (stems, prefixes,
    unaccented) or
    trigram similarity on names and keywords (typos); best matches first."""
    terms = search_terms(q)
    if not terms:
        return list(published_versions(level=level, topic=topic)[:limit])
    tsquery = " & ".join(f"{t}:*" for t in terms)
    text = " ".join(terms)
    qs = published_versions(level=level, topic=topic).annotate(
        fts=RawSQL(
            "ts_rank(catalog_serviceversion.search_vector, "
            "to_tsquery('german', %s) || to_tsquery('english', %s))",
            [tsquery, tsquery],
            output_field=FloatField(),
        ),
        fts_match=RawSQL(
            "catalog_serviceversion.search_vector @@ "
            "(to_tsquery('german', %s) || to_tsquery('english', %s))",
            [tsquery, tsquery],
        ),
        similarity=RawSQL(
            "word_similarity(%s, catalog_serviceversion.search_text)",
            [text],
            output_field=FloatField(),
        ),
    )
    qs = qs.filter(Q(fts_match=True) | Q(similarity__gte=TRIGRAM_THRESHOLD))
    qs = qs.annotate(score=F("fts") * 2 + F("similarity")).order_by("-score", "name_de")
    return list(qs[:limit])


def offer_index_for_service(*, service: Service) -> list[OfferIndex]:
    """Which active communes offer ``service`` and how (public schema), by commune name."""
    return list(
        OfferIndex.objects.filter(service=service, commune__status=Commune.Status.ACTIVE)
        .select_related("commune")
        .prefetch_related(
            Prefetch("commune__domains", queryset=Domain.objects.order_by("-is_primary"))
        )
        .order_by("commune__name")
    )


# --- The current commune's offer --------------------------------------------------------------


@dataclass(frozen=True)
class ActiveOffer:
    """What a resident of the current commune can order: the service's published version and
    the commune's terms. ``fee`` is the commune's fee (override) or the catalogue fee."""

    service: Service
    version: ServiceVersion
    offer: ServiceOffer
    stage: str
    fee: Decimal
    link_url: str
    responsible_group: Group | None
    department: str


def _active(offer: ServiceOffer, version: ServiceVersion) -> ActiveOffer:
    fee = offer.fee_override if offer.fee_override is not None else version.fee
    return ActiveOffer(
        service=version.service,
        version=version,
        offer=offer,
        stage=offer.stage,
        fee=fee,
        link_url=offer.link_url,
        responsible_group=offer.responsible_group,
        department=offer.department or version.authority_de,
    )


def offer_list(*, include_inactive: bool = False, q: str = "") -> list[ActiveOffer]:
    """The services the current commune offers (active, not retired), by name."""
    offers = ServiceOffer.objects.select_related("responsible_group")
    if not include_inactive:
        offers = offers.filter(active=True)
    by_service = {o.service_id: o for o in offers}
    versions = (
        service_search(q=q, limit=500)
        if q
        else published_versions().filter(service_id__in=by_service)
    )
    return [_active(by_service[v.service_id], v) for v in versions if v.service_id in by_service]


def offer_for_order(*, key: str) -> ActiveOffer | None:
    """The current commune's active offer of service ``key`` (None if not offered).

    The cases app calls this before showing or accepting an order: it gives the version to
    order under, the stage to store on the case, the fee to invoice and the responsible group.
    """
    version = service_detail(key=key)
    if version is None:
        return None
    offer = (
        ServiceOffer.objects.select_related("responsible_group")
        .filter(service_id=version.service_id, active=True)
        .first()
    )
    return _active(offer, version) if offer else None


def _visible_here() -> Q:
    """Cantonal services and the current commune's own ones (never another commune's)."""
    commune = current_commune()
    mine = Q(service__owner_commune=commune) if commune is not None else Q(pk__in=[])
    return Q(service__owner_commune__isnull=True) | mine


def service_for_commune_admin(*, key: str) -> ServiceVersion | None:
    """``service_detail`` for the current commune's administrators: None for another
    commune's own service."""
    version = service_detail(key=key)
    if version is None or version.service.owner_commune_id is None:
        return version
    commune = current_commune()
    return (
        version if commune is not None and version.service.owner_commune_id == commune.pk else None
    )


def offer_admin_rows() -> list[dict]:
    """Every catalogue service and the current commune's approved own services with the
    commune's offer (or None), for administrators."""
    offers = {o.service_id: o for o in ServiceOffer.objects.select_related("responsible_group")}
    rows = []
    for version in published_versions().filter(_visible_here()):
        offer = offers.get(version.service_id)
        fee = offer.fee_override if offer and offer.fee_override is not None else version.fee
        rows.append({"version": version, "service": version.service, "offer": offer, "fee": fee})
    return rows


# --- A commune's own services -----------------------------------------------------------------


@dataclass(frozen=True)
class OwnServiceRow:
    """One own service of the current commune: the version it proposed (the published one once
    approved), the canton's decision and the commune's offer (None until offered)."""

    service: Service
    version: ServiceVersion
    offer: ServiceOffer | None


def own_services_of_commune() -> list[OwnServiceRow]:
    """The current commune's own services, newest first, with state and offer."""
    commune = current_commune()
    if commune is None:
        return []
    services = (
        Service.objects.filter(owner_commune=commune)
        .prefetch_related("versions")
        .order_by("-created_at", "-pk")
    )
    offers = {
        o.service_id: o
        for o in ServiceOffer.objects.filter(service__in=services).select_related(
            "responsible_group"
        )
    }
    rows = []
    for service in services:
        versions = sorted(service.versions.all(), key=lambda v: -v.number)
        current = next((v for v in versions if v.status == "published"), None) or versions[0]
        rows.append(OwnServiceRow(service=service, version=current, offer=offers.get(service.pk)))
    return rows


def own_services_for_decision(*, pending: bool = True, limit: int = 50) -> list[ServiceVersion]:
    """Communes' own services awaiting the canton (oldest first) or, with ``pending=False``,
    the latest decided ones: their newest version with service and commune (public schema)."""
    qs = ServiceVersion.objects.filter(service__owner_commune__isnull=False).select_related(
        "service", "service__owner_commune"
    )
    if pending:
        qs = qs.filter(service__approval=Approval.PENDING, status=ServiceVersion.Status.DRAFT)
        return list(qs.order_by("service__created_at", "service__pk")[:limit])
    qs = qs.exclude(service__approval=Approval.PENDING).exclude(
        status=ServiceVersion.Status.DRAFT, service__approval=Approval.APPROVED
    )
    return list(qs.order_by("-service__approval_decided_at", "-pk")[:limit])
