"""Fixtures of the catalogue tests: the seeded catalogue and small hand-made services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from catalog import services
from catalog.models import Service, ServiceVersion
from catalog.seed.loader import seed_catalog

TEXT_FIELD = {"key": "reason", "type": "text", "required": True, "label": {"de": "Grund"}}
MANUAL = {
    "key": "check",
    "name_de": "Prüfen",
    "kind": "manual",
    "responsible_group": "Einwohnerdienste",
}
AUTOMATED = {
    "key": "certificate",
    "name_de": "Bestätigung erstellen",
    "kind": "automated",
    "adapter_key": "documents.residence_certificate",
    "responsible_group": "Einwohnerdienste",
}


@pytest.fixture(autouse=True)
def _german():
    """Each test starts in German; a request with another language does not leak into the next."""
    with translation.override("de-ch"):
        yield


@pytest.fixture
def seeded(db) -> dict:
    """The full seed catalogue (35 services) in the public schema."""
    return seed_catalog()


@pytest.fixture
def make_service(db):
    """``make_service("test-dienst", pilot=True)``: a service with one published version."""

    def make(
        key: str = "test-dienst",
        *,
        level: str = "gemeinde",
        pilot: bool = False,
        fields: list | None = None,
        steps: list | None = None,
        fee: str = "25.00",
        publish: bool = True,
    ) -> Service:
        service = services.service_create(key=key, level=level, pilot=pilot)
        draft = services.version_create_draft(
            service=service,
            name_de=f"Testdienst {key}",
            summary_de="Für Tests.",
            fee=Decimal(fee),
            form_definition={"fields": fields if fields is not None else [TEXT_FIELD]},
        )
        services.version_set_steps(version=draft, steps=steps if steps is not None else [MANUAL])
        if publish:
            services.version_publish(version=draft)
        return service

    return make


def published(service: Service) -> ServiceVersion:
    return service.versions.get(status=ServiceVersion.Status.PUBLISHED)
