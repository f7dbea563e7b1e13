"""Service versions: drafts, publication with validation, immutability, new versions, retiring."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog import services
from catalog.models import PublishedVersionImmutable, ServiceVersion, StepDefinition

from .conftest import AUTOMATED, MANUAL, published


def test_publish_makes_version_current(make_service):
    """Publishing a draft makes it the published version with a publication date."""
    service = make_service(publish=False)
    draft = service.versions.get()
    assert draft.status == ServiceVersion.Status.DRAFT
    services.version_publish(version=draft)
    draft.refresh_from_db()
    assert draft.status == ServiceVersion.Status.PUBLISHED and draft.published_at


def test_published_version_refused_by_service(make_service):
    """The service refuses to change a published version or its steps; nothing changes."""
    version = published(make_service())
    with pytest.raises(ValidationError, match="neue Version"):
        services.version_update_draft(version=version, fee=Decimal("99.00"))
    with pytest.raises(ValidationError):
        services.version_set_steps(version=version, steps=[AUTOMATED])
    version.refresh_from_db()
    assert version.fee == Decimal("25.00")
    assert list(version.steps.values_list("key", flat=True)) == ["check"]


def test_published_version_refused_by_model(make_service):
    """Saving a changed published version, or its steps, fails even outside the services."""
    version = published(make_service())
    version.name_de = "Heimlich geändert"
    with pytest.raises(PublishedVersionImmutable):
        version.save()
    step = version.steps.get()
    step.name_de = "Anders"
    with pytest.raises(PublishedVersionImmutable):
        step.save()
    with pytest.raises(PublishedVersionImmutable):
        version.delete()
    assert ServiceVersion.objects.get(pk=version.pk).name_de.startswith("Testdienst")
    assert StepDefinition.objects.get(pk=step.pk).name_de == "Prüfen"


def test_new_version_copies_and_supersedes(make_service):
    """Editing creates a draft copy; publishing it supersedes the old version, which stays."""
    service = make_service()
    old = published(service)
    draft = services.service_new_version(service=service)
    assert draft.number == 2 and draft.status == ServiceVersion.Status.DRAFT
    assert draft.form_definition == old.form_definition
    assert [s.key for s in draft.steps.all()] == ["check"]
    assert services.service_new_version(service=service) == draft  # one open draft
    services.version_update_draft(version=draft, fee=Decimal("30.00"))
    services.version_publish(version=draft)
    old.refresh_from_db()
    assert old.status == ServiceVersion.Status.SUPERSEDED and old.fee == Decimal("25.00")
    assert published(service).number == 2 and published(service).fee == Decimal("30.00")


@pytest.mark.parametrize(
    ("fields", "steps", "message"),
    [
        ([{"key": "x", "type": "colour", "label": {"de": "X"}}], [MANUAL], "Unbekannter Feldtyp"),
        (None, [], "mindestens einen Schritt"),
        (None, [{**AUTOMATED, "adapter_key": ""}], "braucht einen Adapter"),
        (None, [{**MANUAL, "responsible_group": ""}], "zuständige Gruppe"),
        (None, [{**MANUAL, "adapter_key": "x.y"}], "Nur automatische Schritte"),
    ],
)
def test_publish_validates(make_service, fields, steps, message):
    """A draft with a broken form or steps is not published and stays a draft."""
    service = make_service(fields=fields, steps=steps, publish=False)
    draft = service.versions.get()
    with pytest.raises(ValidationError) as info:
        services.version_publish(version=draft)
    assert any(message in m for m in info.value.messages), info.value.messages
    draft.refresh_from_db()
    assert draft.status == ServiceVersion.Status.DRAFT and draft.published_at is None


def test_retire_keeps_versions(make_service):
    """A retired service leaves the catalogue but keeps its versions; it is never deleted."""
    from catalog.selectors import published_versions, service_detail

    service = make_service()
    services.service_retire(service=service)
    service.refresh_from_db()
    assert service.retired_at is not None
    assert published(service)  # cases keep their version
    assert service_detail(key=service.key) is None
    assert not published_versions().filter(service=service).exists()
    services.service_reactivate(service=service)
    assert service_detail(key=service.key) is not None


def test_pilot_flag_is_stored(make_service):
    """The pilot flag belongs to the service."""
    assert make_service("pilotdienst", pilot=True).pilot is True
