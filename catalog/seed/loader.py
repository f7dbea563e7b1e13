"""Idempotent loading of the seed catalogue: unchanged services are left alone, changed ones get
a new published version (the old one is superseded, cases keep it)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction

from accounts.levels import AuthLevel
from catalog import services
from catalog.models import Service, ServiceVersion, Topic, adapter_reads_register

from . import SERVICES, TOPICS
from .reference_en import AUTHORITY_EN, LEGAL_BASIS_EN, document_entry


def _default_level(spec: dict) -> str:
    """A service that reads or writes a register needs a verified identity; others take any
    account (``min_auth_level`` in the spec overrides this)."""
    if any(adapter_reads_register(s.get("adapter_key", "")) for s in spec["steps"]):
        return AuthLevel.VERIFIED
    return AuthLevel.NONE


def _version_content(spec: dict) -> dict:
    return {
        "name_de": spec["name_de"],
        "name_en": spec.get("name_en", ""),
        "summary_de": spec["summary_de"],
        "summary_en": spec.get("summary_en", ""),
        "description_de": spec.get("description_de", ""),
        "description_en": spec.get("description_en", ""),
        "keywords": spec.get("keywords", ""),
        "required_documents": [document_entry(d) for d in spec.get("required_documents", [])],
        "legal_basis": spec.get("legal_basis", ""),
        "legal_basis_en": spec.get("legal_basis_en")
        or LEGAL_BASIS_EN.get(spec.get("legal_basis", ""), ""),
        "authority_de": spec.get("authority_de", ""),
        "authority_en": spec.get("authority_en")
        or AUTHORITY_EN.get(spec.get("authority_de", ""), ""),
        "fee": Decimal(spec.get("fee", "0.00")),
        "service_norm_days": spec.get("service_norm_days", 5),
        "min_auth_level": spec.get("min_auth_level") or _default_level(spec),
        "form_definition": {"fields": spec.get("form", [])},
        "payment_mode": spec.get("payment_mode", "qr_bill"),
        # The register attributes its register reads ask for (catalog.models.REGISTER_ATTRIBUTES).
        "register_attributes": spec.get("register_attributes", []),
    }


def _steps(spec: dict) -> list[dict]:
    return [{name: step.get(name, "") for name in services.STEP_FIELDS} for step in spec["steps"]]


def _unchanged(version: ServiceVersion, content: dict, steps: list[dict]) -> bool:
    if any(getattr(version, name) != value for name, value in content.items()):
        return False
    current = [
        {name: getattr(s, name) for name in services.STEP_FIELDS}
        for s in version.steps.order_by("position")
    ]
    return current == steps


@transaction.atomic
def seed_catalog(*, keys: Iterable[str] | None = None) -> dict[str, int]:
    """Create or update topics and services from the seed data; returns counts.

    ``keys`` limits the run to some services (fast test fixtures, e.g. ``["wohnsitzbestaetigung"]``).
    """
    wanted = set(keys) if keys is not None else None
    counts = {"topics": 0, "created": 0, "updated": 0, "unchanged": 0}
    topics = {}
    for position, (slug, kind, name_de, name_en) in enumerate(TOPICS):
        topics[slug], created = Topic.objects.update_or_create(
            slug=slug,
            defaults={"kind": kind, "name_de": name_de, "name_en": name_en, "position": position},
        )
        counts["topics"] += created
    for spec in SERVICES:
        if wanted is not None and spec["key"] not in wanted:
            continue
        service = Service.objects.filter(key=spec["key"]).first()
        if service is None:
            service = services.service_create(
                key=spec["key"], level=spec["level"], pilot=spec.get("pilot", False)
            )
            counts["created"] += 1
        else:
            service.level, service.pilot = spec["level"], spec.get("pilot", False)
            service.save(update_fields=["level", "pilot"])
        service.topics.set([topics[slug] for slug in spec.get("topics", [])])
        content, steps = _version_content(spec), _steps(spec)
        current = service.versions.filter(status=ServiceVersion.Status.PUBLISHED).first()
        if current is not None and _unchanged(current, content, steps):
            services.version_refresh_search(version=current)
            counts["unchanged"] += 1
            continue
        if current is not None:
            counts["updated"] += 1
        draft = service.versions.filter(status=ServiceVersion.Status.DRAFT).first()
        if draft is None:
            draft = services.version_create_draft(service=service, **content)
        else:
            services.version_update_draft(version=draft, **content)
        services.version_set_steps(version=draft, steps=steps)
        services.version_publish(version=draft)
    return counts
