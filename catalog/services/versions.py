"""Services and their versions (draft → published → superseded), retirement (public schema:
cantonal admin, seed command)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.levels import AuthLevel, level_is_verified

from ..formdefs import validate_definition
from ..models import (
    Level,
    Service,
    ServiceVersion,
    StepDefinition,
    Topic,
    adapter_reads_register,
)

VERSION_TEXT_FIELDS = (
    "name_de",
    "name_en",
    "summary_de",
    "summary_en",
    "description_de",
    "description_en",
    "keywords",
    "required_documents",
    "min_auth_level",
    "legal_basis",
    "legal_basis_en",
    "authority_de",
    "authority_en",
    "fee",
    "service_norm_days",
    "form_definition",
    "payment_mode",
    "retention_days",
    "retention_legal_basis",
    "register_attributes",
)
STEP_FIELDS = ("key", "name_de", "name_en", "kind", "adapter_key", "responsible_group")
ADAPTER_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


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


def _auth_level_errors(version: ServiceVersion) -> list[str]:
    if version.min_auth_level not in AuthLevel.values:
        return [_("Unbekannte Anmeldequalität «%(level)s».") % {"level": version.min_auth_level}]
    register_steps = [
        s.key for s in version.steps.all() if adapter_reads_register(s.adapter_key or "")
    ]
    if register_steps and not level_is_verified(version.min_auth_level):
        return [
            _(
                "Die Schritte %(steps)s lesen oder schreiben ein Register: die Version braucht "
                "mindestens die Anmeldequalität «verifizierte Identität»."
            )
            % {"steps": ", ".join(register_steps)}
        ]
    return []


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
    errors += _auth_level_errors(version)
    if errors:
        raise ValidationError(errors)


# English words are indexed with the English stemmer too ("moving" and "move" → "move"), and
# the English topic names beside the German ones, so that an English query finds the same
# services as its German counterpart ("moving" like "Umzug").
_SEARCH_SQL = """
UPDATE catalog_serviceversion v SET
  search_vector =
      setweight(to_tsvector('german', unaccent(v.name_de)), 'A')
   || setweight(to_tsvector('german', unaccent(v.keywords)), 'A')
   || setweight(to_tsvector('english', unaccent(v.name_en)), 'A')
   || setweight(to_tsvector('german', unaccent(%(topics)s)), 'B')
   || setweight(to_tsvector('english', unaccent(%(topics_en)s)), 'B')
   || setweight(to_tsvector('german', unaccent(v.summary_de)), 'B')
   || setweight(to_tsvector('english', unaccent(v.summary_en)), 'C')
   || setweight(to_tsvector('simple', unaccent(v.name_en)), 'C')
   || setweight(to_tsvector('german', unaccent(v.description_de)), 'D'),
  search_text = lower(unaccent(v.name_de || ' ' || replace(v.keywords, ',', ' ') || ' '
                               || %(topics)s || ' ' || v.name_en || ' ' || %(topics_en)s))
WHERE v.id = %(id)s
"""


def version_refresh_search(*, version: ServiceVersion) -> None:
    """Recompute the derived search columns of a version (names and texts in German and
    English, keywords, topics)."""
    topics = list(version.service.topics.all())
    params = {
        "topics": " ".join(t.name_de for t in topics),
        "topics_en": " ".join(t.name_en for t in topics),
        "id": version.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SEARCH_SQL, params)


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
