"""The order form class of a version: built once per process for a published version, every
time for a draft (which its editor may still change)."""

import pytest

from cases.services import OrderInvalid, order_form_class, order_validate
from catalog.models import ServiceVersion

from .factories import ServiceVersionFactory

pytestmark = pytest.mark.django_db


def test_a_published_versions_form_class_is_built_once_per_language_and_still_validates():
    version = ServiceVersionFactory()
    german = order_form_class(version, language="de")
    assert order_form_class(version, language="de") is german
    english = order_form_class(version, language="en")
    assert english is not german
    assert str(english.base_fields["reason"].label) != str(german.base_fields["reason"].label)
    # Each order binds its own form: one order's errors never show in the next.
    with pytest.raises(OrderInvalid) as refused:
        order_validate(version=version, data={})
    assert "reason" in refused.value.field_errors
    data, uploads = order_validate(version=version, data={"reason": "Umzug"})
    assert data["reason"] == "Umzug" and uploads == {}


def test_a_drafts_form_class_follows_its_changed_definition():
    version = ServiceVersionFactory(status=ServiceVersion.Status.DRAFT)
    before = order_form_class(version)
    assert "reason" in before.base_fields
    version.form_definition = {
        "fields": [{"key": "anzahl", "type": "number", "required": True, "label": {"de": "Anzahl"}}]
    }
    version.save()
    after = order_form_class(version)
    assert after is not before
    assert list(after.base_fields) == ["anzahl"]
