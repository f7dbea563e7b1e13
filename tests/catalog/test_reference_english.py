"""Reference texts of a service (legal basis, authority, required documents) in English."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from catalog import services
from catalog.models import ServiceVersion
from catalog.seed import SERVICES
from catalog.seed.loader import _version_content, seed_catalog
from tests.factories import UserFactory

from .conftest import published

pytestmark = pytest.mark.django_db


def _english(client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})


def test_every_seeded_service_has_english_reference_texts():
    """The seed gives every service an English legal basis, authority and document list."""
    for spec in SERVICES:
        content = _version_content(spec)
        assert content["legal_basis_en"], spec["key"]
        assert content["authority_en"], spec["key"]
        for entry in content["required_documents"]:
            assert entry["en"] and entry["de"], (spec["key"], entry)


def test_service_page_shows_reference_texts_in_the_chosen_language(public_client):
    """/katalog/umzug-zuzug/ in English shows English law, office and documents; German stays."""
    seed_catalog(keys=["umzug-zuzug"])
    german = public_client.get("/katalog/umzug-zuzug/").content.decode()
    assert "Registerharmonisierungsgesetz (RHG, SR 431.02)" in german
    assert "Einwohnerdienste der Zuzugsgemeinde" in german
    assert "Krankenversicherungsausweis" in german
    _english(public_client)
    english = public_client.get("/katalog/umzug-zuzug/").content.decode()
    assert "Register Harmonisation Act (RHG, SR 431.02)" in english
    assert "Residents&#x27; services of the commune you move to" in english
    assert "Health insurance card" in english
    assert "Krankenversicherungsausweis" not in english
    assert "Registerharmonisierungsgesetz" not in english


def test_english_page_falls_back_to_german_where_untranslated(make_service, public_client):
    """A version without English reference texts shows the German ones on the English page."""
    service = make_service("ohne-englisch", publish=False)
    draft = service.versions.get()
    services.version_update_draft(
        version=draft,
        legal_basis="Reglement über Testfälle",
        authority_de="Testamt",
        required_documents=["Testausweis", {"de": "Testbeleg", "en": "Test receipt"}],
    )
    services.version_publish(version=draft)
    _english(public_client)
    html = public_client.get("/katalog/ohne-englisch/").content.decode()
    assert "Reglement über Testfälle" in html and "Testamt" in html
    assert "Testausweis" in html and "Test receipt" in html and "Testbeleg" not in html


def test_api_keeps_german_keys_and_adds_english_ones(public_client):
    """The detail API: ``legal_basis``/``authority``/``required_documents`` stay German strings;
    the ``_en`` keys carry English."""
    seed_catalog(keys=["umzug-wegzug"])
    data = public_client.get("/api/catalog/services/umzug-wegzug/").json()
    assert data["legal_basis"].startswith("Registerharmonisierungsgesetz")
    assert data["legal_basis_en"].startswith("Register Harmonisation Act")
    assert data["authority"] == "Einwohnerdienste der Wegzugsgemeinde"
    assert data["authority_en"] == "Residents' services of the commune you leave"
    assert all(isinstance(d, str) for d in data["required_documents"])
    assert len(data["required_documents_en"]) == len(data["required_documents"])
    assert data["required_documents_en"] != data["required_documents"]


def test_bad_required_documents_are_refused_and_change_nothing(make_service):
    """A document entry without German text is refused with a clear message."""
    service = make_service("unterlagen", publish=False)
    draft = service.versions.get()
    with pytest.raises(ValidationError) as refused:
        services.version_update_draft(version=draft, required_documents=[{"en": "Only English"}])
    assert "je Unterlage ein deutscher Text" in str(refused.value)
    assert ServiceVersion.objects.get(pk=draft.pk).required_documents == []


def test_english_reference_texts_are_part_of_the_published_version(make_service):
    """A published version's English legal basis cannot be changed in place."""
    version = published(make_service("fest"))
    version.legal_basis_en = "changed"
    with pytest.raises(ValidationError):
        version.save()


def test_cantonal_admin_edits_the_english_reference_texts(make_service, public_client):
    """A draft's change page in the cantonal admin has inputs for the English texts."""
    public_client.force_login(UserFactory(canton=True))
    draft = make_service("admin-englisch", publish=False).versions.get()
    html = public_client.get(f"/admin/catalog/serviceversion/{draft.pk}/change/").content.decode()
    assert 'name="legal_basis_en"' in html and 'name="authority_en"' in html
    assert 'name="required_documents"' in html
