"""Cantonal admin: published versions are read-only; actions create, publish and retire."""

import pytest

from catalog.models import ServiceVersion
from tests.factories import UserFactory

from .conftest import published


@pytest.fixture
def canton_client(db, public_client):
    public_client.force_login(UserFactory(canton=True))
    return public_client


def test_published_version_read_only(make_service, canton_client):
    """The change page of a published version has no inputs, and a POST changes nothing."""
    version = published(make_service())
    url = f"/admin/catalog/serviceversion/{version.pk}/change/"
    html = canton_client.get(url).content.decode()
    assert 'name="name_de"' not in html and "Testdienst" in html
    canton_client.post(url, {"name_de": "Geändert", "fee": "1.00"})
    version.refresh_from_db()
    assert version.name_de.startswith("Testdienst")


def test_draft_is_editable(make_service, canton_client):
    """A draft's change page has inputs for its texts and steps."""
    draft = make_service(publish=False).versions.get()
    html = canton_client.get(f"/admin/catalog/serviceversion/{draft.pk}/change/").content.decode()
    assert 'name="name_de"' in html and 'name="steps-0-key"' in html


def test_actions_new_version_and_publish(make_service, canton_client):
    """ "neue Version erstellen" makes a draft; "publizieren" publishes it."""
    service = make_service()
    response = canton_client.post(
        "/admin/catalog/service/", {"action": "new_version", "_selected_action": [service.pk]}
    )
    assert response.status_code == 302
    draft = service.versions.get(status="draft")
    canton_client.post(
        "/admin/catalog/serviceversion/", {"action": "publish", "_selected_action": [draft.pk]}
    )
    draft.refresh_from_db()
    assert draft.status == "published" and published(service).number == 2


def test_publish_action_reports_errors(make_service, canton_client):
    """Publishing an invalid draft shows the reasons and leaves it a draft."""
    draft = make_service(steps=[], publish=False).versions.get()
    response = canton_client.post(
        "/admin/catalog/serviceversion/",
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "mindestens einen Schritt" in response.content.decode()
    assert ServiceVersion.objects.get(pk=draft.pk).status == "draft"


def test_retire_action(make_service, canton_client):
    """ "ausser Betrieb nehmen" retires without deleting."""
    service = make_service()
    canton_client.post(
        "/admin/catalog/service/", {"action": "retire", "_selected_action": [service.pk]}
    )
    service.refresh_from_db()
    assert service.retired_at is not None and service.versions.exists()


def test_draft_form_definition_checked_on_save(make_service, canton_client):
    """Saving a draft with a broken form definition shows the problem and stores nothing."""
    draft = make_service(publish=False).versions.get()
    url = f"/admin/catalog/serviceversion/{draft.pk}/change/"
    data = {
        "name_de": "Testdienst",
        "name_en": "",
        "summary_de": "Für Tests.",
        "fee": "25.00",
        "service_norm_days": "5",
        "required_documents": "[]",
        "form_definition": '{"fields": [{"key": "x", "type": "colour", "label": {"de": "X"}}]}',
        "steps-TOTAL_FORMS": "0",
        "steps-INITIAL_FORMS": "0",
    }
    response = canton_client.post(url, data)
    assert response.status_code == 200 and "Unbekannter Feldtyp" in response.content.decode()
    draft.refresh_from_db()
    assert draft.form_definition["fields"][0]["type"] == "text"
