"""Writes on the catalogue: versions (draft → published → superseded), retirement, and the
current commune's offer (``offer_set``), which keeps the public ``OfferIndex`` in step.

Version and service functions run in the public schema (cantonal admin, seed command);
``offer_*`` functions run in the schema of the commune whose offer they change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.context import current_commune

from .formdefs import validate_definition
from .models import Level, OfferIndex, Service, ServiceVersion, StepDefinition, Topic
from .offers.models import ServiceOffer, Stage

VERSION_TEXT_FIELDS = (
    "name_de",
    "name_en",
    "summary_de",
    "summary_en",
    "description_de",
    "description_en",
    "keywords",
    "required_documents",
    "legal_basis",
    "authority_de",
    "fee",
    "service_norm_days",
    "form_definition",
)
STEP_FIELDS = ("key", "name_de", "name_en", "kind", "adapter_key", "responsible_group")
ADAPTER_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


# --- Services and versions (public schema) ----------------------------------------------------


def service_create(
    *, key: str, level: str, pilot: bool = False, topics: Iterable[Topic] = ()
) -> Service:
    """A new catalogue service (without versions yet)."""
    if level not in Level.values:
        raise ValidationError({"level": _("Unbekannte Ebene «%(level)s».") % {"level": level}})
    service = Service(key=key, level=level, pilot=pilot)
    service.full_clean()
    service.save()
    service.topics.set(list(topics))
    return service


def _check_draft(version: ServiceVersion) -> None:
    if not version.is_draft:
        raise ValidationError(
            _(
                "Version %(number)s von «%(key)s» ist publiziert und kann nicht mehr geändert "
                "werden. Erstellen Sie eine neue Version."
            )
            % {"number": version.number, "key": version.service.key},
            code="immutable",
        )


@transaction.atomic
def version_create_draft(*, service: Service, **content: Any) -> ServiceVersion:
    """A new draft version (next number) with the given texts, fee, form …; no steps yet."""
    unknown = set(content) - set(VERSION_TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown version fields: {sorted(unknown)}")
    Service.objects.select_for_update().get(pk=service.pk)
    number = (service.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ServiceVersion(service=service, number=number, **content)
    # The database enforces the unique constraints; the number is taken under the lock above.
    version.full_clean(exclude=["form_definition"], validate_constraints=False)
    version.save()
    return version


@transaction.atomic
def version_update_draft(*, version: ServiceVersion, **changes: Any) -> ServiceVersion:
    """Change texts, fee, form … of a draft; refuses published versions."""
    _check_draft(version)
    unknown = set(changes) - set(VERSION_TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown version fields: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(version, name, value)
    version.full_clean(exclude=["form_definition"], validate_constraints=False)
    version.save()
    return version


@transaction.atomic
def version_set_steps(*, version: ServiceVersion, steps: list[dict]) -> list[StepDefinition]:
    """Replace the ordered steps of a draft (dicts with key, name_de, kind, adapter_key …)."""
    _check_draft(version)
    version.steps.all().delete()
    # bulk_create skips StepDefinition.save()'s draft check, done above for the whole version.
    return StepDefinition.objects.bulk_create(
        StepDefinition(
            version=version,
            position=position,
            **{name: step.get(name, "") for name in STEP_FIELDS},
        )
        for position, step in enumerate(steps, start=1)
    )


def _steps_errors(version: ServiceVersion) -> list[str]:
    steps = list(version.steps.order_by("position"))
    if not steps:
        return [_("Die Version braucht mindestens einen Schritt.")]
    errors = []
    for step in steps:
        where = _("Schritt %(n)s (%(key)s)") % {"n": step.position, "key": step.key}
        if step.kind not in StepDefinition.Kind.values:
            errors.append(
                _("%(where)s: unbekannte Art «%(kind)s».") % {"where": where, "kind": step.kind}
            )
        if step.kind == StepDefinition.Kind.AUTOMATED and not ADAPTER_KEY.match(step.adapter_key):
            errors.append(
                _(
                    "%(where)s: Ein automatischer Schritt braucht einen Adapter, z. B. «documents.residence_certificate»."
                )
                % {"where": where}
            )
        if step.kind != StepDefinition.Kind.AUTOMATED and step.adapter_key:
            errors.append(
                _("%(where)s: Nur automatische Schritte haben einen Adapter.") % {"where": where}
            )
        if step.kind == StepDefinition.Kind.MANUAL and not step.responsible_group:
            errors.append(
                _("%(where)s: Ein manueller Schritt braucht eine zuständige Gruppe.")
                % {"where": where}
            )
        if not step.name_de:
            errors.append(_("%(where)s: Der Name fehlt.") % {"where": where})
    return errors


def version_check(*, version: ServiceVersion) -> None:
    """Raise ``ValidationError`` listing everything that keeps ``version`` from publication."""
    errors: list[str] = []
    if not version.name_de.strip():
        errors.append(_("Der deutsche Name fehlt."))
    if not version.summary_de.strip():
        errors.append(_("Die deutsche Kurzbeschreibung fehlt."))
    if version.fee is None or version.fee < 0:
        errors.append(_("Die Gebühr darf nicht negativ sein."))
    try:
        validate_definition(version.form_definition)
    except ValidationError as exc:
        errors += [_("Formular: %(m)s") % {"m": m} for m in exc.messages]
    errors += _steps_errors(version)
    if errors:
        raise ValidationError(errors)


_SEARCH_SQL = """
UPDATE catalog_serviceversion v SET
  search_vector =
      setweight(to_tsvector('german', unaccent(v.name_de)), 'A')
   || setweight(to_tsvector('german', unaccent(v.keywords)), 'A')
   || setweight(to_tsvector('german', unaccent(%(topics)s)), 'B')
   || setweight(to_tsvector('german', unaccent(v.summary_de)), 'B')
   || setweight(to_tsvector('simple', unaccent(v.name_en)), 'C')
   || setweight(to_tsvector('german', unaccent(v.description_de)), 'D'),
  search_text = lower(unaccent(v.name_de || ' ' || replace(v.keywords, ',', ' ') || ' ' || %(topics)s))
WHERE v.id = %(id)s
"""


def version_refresh_search(*, version: ServiceVersion) -> None:
    """Recompute the derived search columns of a version (name, keywords, topics, texts)."""
    topics = " ".join(t.name_de for t in version.service.topics.all())
    with connection.cursor() as cursor:
        cursor.execute(_SEARCH_SQL, {"topics": topics, "id": version.pk})


@transaction.atomic
def version_publish(*, version: ServiceVersion) -> ServiceVersion:
    """Validate and publish a draft; the previously published version becomes superseded.

    Cases keep pointing at the version they were ordered under, so nothing else changes.
    """
    version = (
        ServiceVersion.objects.select_for_update().select_related("service").get(pk=version.pk)
    )
    _check_draft(version)
    version_check(version=version)
    ServiceVersion.objects.filter(
        service=version.service, status=ServiceVersion.Status.PUBLISHED
    ).update(status=ServiceVersion.Status.SUPERSEDED)
    version.status = ServiceVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    version_refresh_search(version=version)
    return version


@transaction.atomic
def service_new_version(*, service: Service) -> ServiceVersion:
    """ "Edit" a service: a draft copied from its newest version (or the open draft, if any)."""
    draft = service.versions.filter(status=ServiceVersion.Status.DRAFT).order_by("-number").first()
    if draft:
        return draft
    source = (
        service.versions.filter(status=ServiceVersion.Status.PUBLISHED).first()
        or service.versions.order_by("-number").first()
    )
    if source is None:
        raise ValidationError(_("Diese Dienstleistung hat noch keine Version."))
    copy = version_create_draft(
        service=service, **{name: getattr(source, name) for name in VERSION_TEXT_FIELDS}
    )
    version_set_steps(
        version=copy,
        steps=[{n: getattr(s, n) for n in STEP_FIELDS} for s in source.steps.order_by("position")],
    )
    return copy


def service_retire(*, service: Service) -> Service:
    """Take a service out of the catalogue (never deleted; existing cases keep their version)."""
    if service.retired_at is None:
        service.retired_at = timezone.now()
        service.save(update_fields=["retired_at"])
    return service


def service_reactivate(*, service: Service) -> Service:
    """Bring a retired service back into the catalogue."""
    if service.retired_at is not None:
        service.retired_at = None
        service.save(update_fields=["retired_at"])
    return service


# --- The current commune's offer (commune schema) --------------------------------------------


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
    version = service.versions.filter(status=ServiceVersion.Status.PUBLISHED).first()
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


def offer_update(*, offer: ServiceOffer, **changes: Any) -> ServiceOffer:
    """Change some attributes of an existing offer (through ``offer_set``)."""
    current = {
        "stage": offer.stage,
        "fee_override": offer.fee_override,
        "link_url": offer.link_url,
        "responsible_group": offer.responsible_group,
        "department": offer.department,
        "contact_email": offer.contact_email,
        "contact_phone": offer.contact_phone,
        "notes": offer.notes,
        "active": offer.active,
    }
    current.update(changes)
    return offer_set(service=Service.objects.get(pk=offer.service_id), **current)


AUTOMATED_BY_DEFAULT = {
    "wohnsitzbestaetigung",
    "umzug-zuzug",
    "umzug-wegzug",
    "umzug-innerhalb",
    "hund-anmelden",
}


@transaction.atomic
def offers_seed_defaults() -> dict[str, int]:
    """Default activation of the current commune (idempotent; keeps what the commune changed).

    Creates the groups named by the steps, then offers every published non-pilot service at
    ``form`` (``automated`` for the services with backend integration), pilots only in Public
    Innovator communes, and brings the public ``OfferIndex`` in line with the offers. Only
    combinations ``offer_set`` accepts are created, in bulk (it runs for every commune).
    """
    commune = current_commune()
    if commune is None:
        raise ValidationError(_("Die Standard-Aktivierung läuft im Schema einer Gemeinde."))
    versions = list(
        ServiceVersion.objects.filter(
            status=ServiceVersion.Status.PUBLISHED, service__retired_at__isnull=True
        )
        .select_related("service")
        .prefetch_related("steps")
    )
    group_names = {
        s.responsible_group for v in versions for s in v.steps.all() if s.responsible_group
    }
    known = set(Group.objects.filter(name__in=group_names).values_list("name", flat=True))
    Group.objects.bulk_create(Group(name=name) for name in sorted(group_names - known))
    groups = {g.name: g for g in Group.objects.filter(name__in=group_names)}
    existing = set(ServiceOffer.objects.values_list("service_id", flat=True))
    new_offers = []
    for version in versions:
        service = version.service
        if service.pk in existing or (service.pilot and not commune.public_innovator):
            continue
        steps = list(version.steps.all())
        first_group = next((s.responsible_group for s in steps if s.responsible_group), "")
        automatable = any(s.kind == StepDefinition.Kind.AUTOMATED for s in steps)
        default_automated = service.key in AUTOMATED_BY_DEFAULT and automatable
        new_offers.append(
            ServiceOffer(
                service=service,
                stage=Stage.AUTOMATED if default_automated else Stage.FORM,
                responsible_group=groups.get(first_group),
            )
        )
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
