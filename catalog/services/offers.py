"""The current commune's offer (``offer_set`` whole, ``offer_update`` in part by a commune
administrator, the default activation),
which keeps the public ``OfferIndex`` in step (runs in the schema of the commune whose offer
it changes)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from tenants.context import current_commune

from ..models import (
    Approval,
    OfferIndex,
    OfferSnapshot,
    Service,
    ServiceVersion,
    StepDefinition,
)
from ..offers.models import ServiceOffer, Stage
from .rollout import offer_snapshots_record


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"fee_override": _("Bitte geben Sie einen Betrag in CHF ein.")}
        ) from None
    if amount < 0 or amount.as_tuple().exponent < -2 or amount >= Decimal("100000000"):
        raise ValidationError(
            {"fee_override": _("Bitte einen Betrag ab 0 mit höchstens zwei Nachkommastellen.")}
        )
    return amount.quantize(Decimal("0.01"))


def _offer_check(*, service: Service, commune, stage: str, active: bool, link_url: str) -> None:
    """What ``offer_set`` refuses: retired, unpublished or pilot services, unknown stages,
    ``link`` without a URL, ``automated`` without automated steps."""
    version = service.versions.filter(status=ServiceVersion.Status.PUBLISHED).first()
    if active and service.owner_commune_id not in (None, commune.pk):
        raise ValidationError(
            _("Diese Leistung ist eine eigene Leistung einer anderen Gemeinde."), code="foreign"
        )
    if active and service.approval != Approval.APPROVED:
        raise ValidationError(
            _("Diese eigene Leistung ist vom Kanton noch nicht freigegeben."), code="approval"
        )
    if active:
        if service.retired_at is not None:
            raise ValidationError(
                _("Diese Dienstleistung ist ausser Betrieb und kann nicht aufgeschaltet werden.")
            )
        if version is None:
            raise ValidationError(_("Diese Dienstleistung hat noch keine publizierte Version."))
        if service.pilot and not commune.public_innovator:
            raise ValidationError(
                _(
                    "«%(name)s» ist ein Pilot: nur Public-Innovator-Gemeinden dürfen ihn "
                    "aufschalten. %(commune)s ist keine Public-Innovator-Gemeinde."
                )
                % {"name": version.name_de, "commune": commune.name},
                code="pilot",
            )
    if stage not in Stage.values:
        raise ValidationError({"stage": _("Unbekannte Stufe «%(stage)s».") % {"stage": stage}})
    if active and stage == Stage.LINK and not link_url:
        raise ValidationError(
            {
                "link_url": _(
                    "Für die Stufe «Link» braucht es die Adresse des bisherigen Online-Schalters."
                )
            }
        )
    if (
        stage == Stage.AUTOMATED
        and version is not None
        and not version.steps.filter(kind="automated").exists()
    ):
        raise ValidationError(
            {"stage": _("Diese Dienstleistung hat keine automatisierten Schritte.")},
            code="not_automatable",
        )


@transaction.atomic
def offer_set(
    *,
    service: Service,
    stage: str,
    fee_override: Decimal | None = None,
    link_url: str = "",
    responsible_group: Group | None = None,
    department: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    notes: str = "",
    active: bool = True,
) -> ServiceOffer:
    """Offer (or change, or with ``active=False`` withdraw) ``service`` in the current commune.

    Refuses pilot services outside Public Innovator communes, ``link`` without a URL and
    ``automated`` for a service without automated steps; nothing changes when it refuses.
    Existing cases are untouched: each case stores the stage it was submitted under.
    """
    commune = current_commune()
    if commune is None:
        raise ValidationError(_("Ein Angebot gehört immer zu einer Gemeinde."))
    _offer_check(service=service, commune=commune, stage=stage, active=active, link_url=link_url)
    offer = ServiceOffer.objects.select_for_update().filter(
        service=service
    ).first() or ServiceOffer(service=service)
    offer.stage = stage
    offer.active = active
    offer.link_url = link_url or ""
    offer.fee_override = _money(fee_override)
    offer.responsible_group = responsible_group
    offer.department = department
    offer.contact_email = contact_email
    offer.contact_phone = contact_phone
    offer.notes = notes
    offer.full_clean(exclude=["service"])
    offer.save()
    _offer_index_sync(commune=commune, offer=offer)
    return offer


def _offer_index_sync(*, commune, offer: ServiceOffer) -> None:
    offer_snapshots_record(
        commune_id=commune.pk,
        stages={offer.service_id: offer.stage if offer.active else OfferSnapshot.WITHDRAWN},
    )
    if offer.active:
        OfferIndex.objects.update_or_create(
            commune=commune,
            service_id=offer.service_id,
            defaults={
                "stage": offer.stage,
                "link_url": offer.link_url if offer.stage == Stage.LINK else "",
            },
        )
    else:
        OfferIndex.objects.filter(commune=commune, service_id=offer.service_id).delete()


# The attributes of an offer, and what a service the commune never offered starts from.
OFFER_FIELDS = (
    "active",
    "stage",
    "link_url",
    "fee_override",
    "responsible_group",
    "department",
    "contact_email",
    "contact_phone",
    "notes",
)
NEW_OFFER: dict[str, Any] = {
    "active": True,
    "stage": Stage.FORM,
    "link_url": "",
    "fee_override": None,
    "responsible_group": None,
    "department": "",
    "contact_email": "",
    "contact_phone": "",
    "notes": "",
}


def offer_editor_check(*, user: Any) -> None:
    """Only the commune's administrators change its offers; anyone else: PermissionDenied."""
    if not getattr(user, "is_authenticated", False) or user.role != User.Role.ADMIN:
        raise PermissionDenied(_("Nur die Gemeindeadministration darf das Angebot ändern."))


@transaction.atomic
def offer_update(*, user: Any, service: Service, **changes: Any) -> ServiceOffer:
    """``user`` changes the given attributes (``OFFER_FIELDS``) of the current commune's offer
    of ``service``; the others keep their value (a service never offered starts from
    ``NEW_OFFER``). Only commune administrators; validated and indexed by ``offer_set``."""
    offer_editor_check(user=user)
    unknown = set(changes) - set(OFFER_FIELDS)
    if unknown:
        raise TypeError(f"offer_update() got unknown offer fields: {', '.join(sorted(unknown))}")
    offer = ServiceOffer.objects.select_for_update().filter(service=service).first()
    values = dict(NEW_OFFER) if offer is None else {n: getattr(offer, n) for n in OFFER_FIELDS}
    values.update(changes)
    return offer_set(service=service, **values)


AUTOMATED_BY_DEFAULT = {
    "wohnsitzbestaetigung",
    "umzug-zuzug",
    "umzug-wegzug",
    "umzug-innerhalb",
    "hund-anmelden",
}


# The realistic start (``seed_offers`` without ``--full``): outside the Public Innovator
# communes, the core services (AUTOMATED_BY_DEFAULT) at form and, spread evenly by a fixed
# rule over communes and services, 15 % of the rest at form and 40 % at link (the commune's
# website stands for its old Online-Schalter until import_online_schalter brings the real
# links); the rest not yet offered.
FULL = "full"
REALISTIC = "realistic"


def _realistic_stage(commune, service: Service, position: int) -> str | None:
    if commune.public_innovator:
        return None  # full activation
    if service.key in AUTOMATED_BY_DEFAULT:
        return Stage.FORM
    spread = (commune.bfs_number * 7 + position * 3) % 20
    if spread < 3:
        return Stage.FORM
    return Stage.LINK if spread < 11 else ""


def _new_offer(commune, version, groups, position: int, profile: str) -> ServiceOffer | None:
    service = version.service
    if service.pilot and not commune.public_innovator:
        return None
    steps = list(version.steps.all())
    first_group = next((s.responsible_group for s in steps if s.responsible_group), "")
    automatable = any(s.kind == StepDefinition.Kind.AUTOMATED for s in steps)
    stage = Stage.AUTOMATED if service.key in AUTOMATED_BY_DEFAULT and automatable else Stage.FORM
    if profile == REALISTIC:
        realistic = _realistic_stage(commune, service, position)
        if realistic == "":
            return None  # not offered yet
        stage = realistic or stage
    link = f"https://www.{commune.slug}.ch/" if stage == Stage.LINK else ""
    return ServiceOffer(
        service=service, stage=stage, link_url=link, responsible_group=groups.get(first_group)
    )


@transaction.atomic
def offers_seed_defaults(*, profile: str = FULL) -> dict[str, int]:
    """Default activation of the current commune (idempotent; keeps what the commune changed).

    Creates the groups named by the steps, then offers the published cantonal services:
    ``full`` every non-pilot service at ``form`` (``automated`` for the services with backend
    integration), pilots only in Public Innovator communes; ``realistic`` the same in Public
    Innovator communes and part of the catalogue at ``link``/``form`` elsewhere (see
    ``_realistic_stage``). Brings the public ``OfferIndex`` and the month's rollout snapshot in
    line. Only combinations ``offer_set`` accepts are created, in bulk (runs for every commune).
    """
    commune = current_commune()
    if commune is None:
        raise ValidationError(_("Die Standard-Aktivierung läuft im Schema einer Gemeinde."))
    versions = list(
        ServiceVersion.objects.filter(
            status=ServiceVersion.Status.PUBLISHED,
            service__retired_at__isnull=True,
            service__owner_commune__isnull=True,
        )
        .select_related("service")
        .prefetch_related("steps")
        .order_by("service__key")
    )
    group_names = {
        s.responsible_group for v in versions for s in v.steps.all() if s.responsible_group
    }
    known = set(Group.objects.filter(name__in=group_names).values_list("name", flat=True))
    Group.objects.bulk_create(Group(name=name) for name in sorted(group_names - known))
    groups = {g.name: g for g in Group.objects.filter(name__in=group_names)}
    existing = set(ServiceOffer.objects.values_list("service_id", flat=True))
    new_offers = [
        offer
        for position, version in enumerate(versions)
        if version.service_id not in existing
        and (offer := _new_offer(commune, version, groups, position, profile)) is not None
    ]
    ServiceOffer.objects.bulk_create(new_offers)
    _offer_index_resync(commune=commune)
    return {"groups": len(group_names - known), "offers": len(new_offers)}


def _offer_index_resync(*, commune) -> None:
    """Make the public index of ``commune`` match its active offers exactly."""
    wanted = {
        o.service_id: (o.stage, o.link_url if o.stage == Stage.LINK else "")
        for o in ServiceOffer.objects.filter(active=True, service__retired_at__isnull=True)
    }
    current = {e.service_id: e for e in OfferIndex.objects.filter(commune=commune)}
    changed = {sid: stage for sid, (stage, _url) in wanted.items() if sid not in current}
    changed.update(
        {
            sid: stage
            for sid, (stage, _url) in wanted.items()
            if sid in current and current[sid].stage != stage
        }
    )
    changed.update({sid: OfferSnapshot.WITHDRAWN for sid in set(current) - set(wanted)})
    offer_snapshots_record(commune_id=commune.pk, stages=changed)
    OfferIndex.objects.filter(commune=commune, service_id__in=set(current) - set(wanted)).delete()
    OfferIndex.objects.bulk_create(
        OfferIndex(commune=commune, service_id=sid, stage=stage, link_url=url)
        for sid, (stage, url) in wanted.items()
        if sid not in current
    )
    for sid, (stage, url) in wanted.items():
        entry = current.get(sid)
        if entry is not None and (entry.stage, entry.link_url) != (stage, url):
            entry.stage, entry.link_url = stage, url
            entry.save(update_fields=["stage", "link_url", "updated_at"])
