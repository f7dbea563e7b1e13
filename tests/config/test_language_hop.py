"""``?lang=`` on a link from another host keeps the language choice (config.locale)."""

import pytest
from django.conf import settings

from catalog import services
from catalog.models import Service
from catalog.offers.models import Stage
from config.locale import GermanFirstLocaleMiddleware

pytestmark = pytest.mark.django_db


def test_hop_stores_the_language_and_redirects_to_the_clean_address(kriens, commune_client):
    """kriens.localhost/dienstleistungen/?q=hund&lang=en → cookie en, back without ``lang``."""
    client = commune_client(kriens)
    response = client.get("/dienstleistungen/", {"q": "hund", "lang": "en"})
    assert response.status_code == 302
    assert response["Location"] == "/dienstleistungen/?q=hund"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/").content.decode()
    assert 'lang="en' in page and "Welcome to the online counter of Kriens" in page


def test_unknown_language_changes_nothing(public_client):
    """?lang=xx only leads to the clean address; the portal stays German."""
    response = public_client.get("/katalog/", {"lang": "xx"})
    assert response.status_code == 302 and response["Location"] == "/katalog/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert 'lang="de' in public_client.get("/katalog/").content.decode()


def test_hop_never_leads_to_another_site(rf):
    """A path starting with two slashes is not turned into a protocol-relative address."""
    request = rf.get("/", {"lang": "en"})
    request.path = request.path_info = "//evil.example/"
    response = GermanFirstLocaleMiddleware(lambda r: None).process_request(request)
    assert response["Location"] == "/evil.example/"


def test_links_to_another_host_carry_the_chosen_language(kriens, in_commune, public_client):
    """Once English is chosen on the public host, its links to a commune add ``?lang=en``;
    before any choice they carry nothing."""
    service = Service.objects.filter(key="sprachtest").first() or services.service_create(
        key="sprachtest", level="gemeinde"
    )
    draft = services.version_create_draft(
        service=service,
        name_de="Sprachtest",
        summary_de="Für Tests.",
        form_definition={"fields": []},
    )
    services.version_set_steps(
        version=draft,
        steps=[{"key": "pruefen", "name_de": "Prüfen", "kind": "manual", "responsible_group": "X"}],
    )
    services.version_publish(version=draft)
    with in_commune(kriens):
        services.offer_set(service=service, stage=Stage.FORM)
    target = f"{kriens.primary_domain}/dienstleistungen/sprachtest/"
    german = public_client.get("/katalog/sprachtest/").content.decode()
    assert f'{target}"' in german and "lang=" not in german.split("<main")[1]
    public_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = public_client.get("/katalog/sprachtest/").content.decode()
    assert f'{target}?lang=en"' in english
    assert f'{kriens.primary_domain}/?lang=en"' in public_client.get("/").content.decode()
