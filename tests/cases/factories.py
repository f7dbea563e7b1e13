"""Catalogue rows and cases for the case tests (create commune rows inside ``in_commune``)."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from catalog.models import Level, Service, ServiceVersion, StepDefinition, adapter_reads_register
from catalog.offers.models import ServiceOffer, Stage
from catalog.services import version_publish

SMALL_FORM = {
    "fields": [
        {
            "key": "reason",
            "type": "text",
            "required": True,
            "label": {"de": "Verwendungszweck", "en": "Purpose"},
            "max_length": 200,
        },
        {
            "key": "copies",
            "type": "number",
            "required": False,
            "label": {"de": "Anzahl Exemplare", "en": "Copies"},
            "min": 1,
            "max": 5,
        },
        {
            "key": "attachment",
            "type": "file",
            "required": False,
            "label": {"de": "Beilage", "en": "Attachment"},
            "allowed_types": ["application/pdf"],
            "max_size_mb": 1,
        },
    ]
}


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    key = factory.Sequence(lambda n: f"testdienst-{n}")
    level = Level.GEMEINDE


class ServiceVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceVersion

    service = factory.SubFactory(ServiceFactory)
    number = 1
    status = ServiceVersion.Status.PUBLISHED
    name_de = factory.LazyAttribute(lambda o: f"Testdienst {o.service.key}")
    name_en = factory.LazyAttribute(lambda o: f"Test service {o.service.key}")
    summary_de = "Eine Dienstleistung für Tests."
    fee = "30.00"
    service_norm_days = 5
    form_definition = factory.LazyFunction(lambda: SMALL_FORM)


class StepDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StepDefinition

    version = factory.SubFactory(ServiceVersionFactory)
    position = factory.Sequence(lambda n: n + 1)
    key = factory.Sequence(lambda n: f"schritt-{n}")
    name_de = factory.Sequence(lambda n: f"Schritt {n}")
    kind = StepDefinition.Kind.MANUAL
    responsible_group = "Einwohnerdienste"


class ServiceOfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceOffer

    service = factory.SubFactory(ServiceFactory)
    stage = Stage.FORM
    active = True


def service_with_steps(
    *,
    key: str | None = None,
    steps: list[dict] | None = None,
    form_definition: dict | None = None,
    norm_days: int = 5,
    fee: str = "30.00",
    min_auth_level: str | None = None,
    **version_fields,
) -> ServiceVersion:
    """A published version with the given steps (default: one manual step of Einwohnerdienste);
    a step that reads a register makes the version need a verified identity."""
    service = ServiceFactory(**({"key": key} if key else {}))
    if min_auth_level is None:
        reads = any(adapter_reads_register(spec.get("adapter", "")) for spec in steps or [])
        min_auth_level = "verified" if reads else "none"
    version = ServiceVersionFactory(
        service=service,
        status=ServiceVersion.Status.DRAFT,
        min_auth_level=min_auth_level,
        service_norm_days=norm_days,
        fee=fee,
        form_definition=form_definition or SMALL_FORM,
        **version_fields,
    )
    for position, spec in enumerate(
        steps or [{"key": "pruefen", "kind": "manual", "group": "Einwohnerdienste"}], start=1
    ):
        StepDefinitionFactory(
            version=version,
            position=position,
            key=spec["key"],
            name_de=spec.get("name", spec["key"].capitalize()),
            name_en=spec.get("name_en", ""),
            kind=spec["kind"],
            adapter_key=spec.get("adapter", ""),
            responsible_group=spec.get("group", ""),
        )
    # Published through the catalogue's own service: checks the form and the steps.
    return version_publish(version=version)


def offer(version: ServiceVersion, *, stage: str = Stage.FORM, **fields) -> ServiceOffer:
    """The current commune offers the version's service (call inside ``in_commune``)."""
    return ServiceOfferFactory(service=version.service, stage=stage, **fields)


def clerk_in(group_name: str, **fields):
    from tests.factories import UserFactory

    user = UserFactory(clerk=True, **fields)
    group, _ = Group.objects.get_or_create(name=group_name)
    user.groups.add(group)
    return user
