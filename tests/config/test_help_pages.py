"""Help, contact and legal pages on the public host and every commune host, linked from the
footer; the commune home with search, popular services and contact."""

import pytest
from django.utils import translation

from cases.services import case_submit
from tests.cases.factories import offer, service_with_steps
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = {
    "/kontakt/": "Kontakt",
    "/hilfe/": "Hilfe und häufige Fragen",
    "/impressum/": "Impressum",
    "/datenschutz/": "Datenschutzerklärung",
    "/barrierefreiheit/": "Erklärung zur Barrierefreiheit",
}


@pytest.fixture(autouse=True)
def _german():
    with translation.override("de"):
        yield


@pytest.mark.parametrize("path", PAGES)
def test_every_page_on_both_hosts_and_in_the_footer(path, public_client, kriens, commune_client):
    """Each page answers on the public and a commune host, with its heading, and every page
    links all five from the footer."""
    for client in (public_client, commune_client(kriens)):
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 200, path
        assert f"<h1>{PAGES[path]}</h1>" in html
        for other in PAGES:
            assert f'href="{other}"' in html


def test_commune_contact_names_the_commune_and_its_postcode(kriens, commune_client):
    """The commune's Kontakt page names its administration and postcode from the list."""
    html = commune_client(kriens).get("/kontakt/").content.decode()
    assert "Gemeindeverwaltung Kriens" in html and "6010 Kriens" in html


def test_public_contact_points_to_the_communes(public_client):
    """On the public host, Kontakt sends residents to their commune, naming none."""
    html = public_client.get("/kontakt/").content.decode()
    assert "Gemeindeverwaltung" not in html and "Wählen Sie Ihre Gemeinde" in html


def test_help_explains_every_status(public_client):
    """The help page explains each case status."""
    html = public_client.get("/hilfe/").content.decode()
    for label in ("Eingereicht", "In Bearbeitung", "Wartet auf Ihre Angaben", "Zurückgezogen"):
        assert f"<dt>{label}</dt>" in html


def test_privacy_statement_names_how_long_login_records_are_kept(public_client, settings):
    """The Datenschutzerklärung lists the login records' retention from AXES_RETENTION_DAYS."""
    settings.AXES_RETENTION_DAYS = 45
    html = public_client.get("/datenschutz/").content.decode()
    assert "IP-Adresse des Geräts) werden nach 45 Tagen gelöscht" in html


def test_pages_in_english(public_client, kriens, commune_client):
    """With English chosen, the pages are English, titles and texts."""
    client = commune_client(kriens)
    client.cookies["django_language"] = "en"
    html = client.get("/datenschutz/").content.decode()
    assert "<h1>Privacy statement</h1>" in html and "Your rights" in html
    assert "Ihre Rechte" not in html


def test_commune_home_has_search_popular_services_and_contact(kriens, in_commune, commune_client):
    """The commune home offers a search, the most ordered services first, and the contact."""
    with in_commune(kriens):
        rare = service_with_steps(key="selten")
        often = service_with_steps(key="haeufig")
        offer(rare)
        offer(often)
        resident = UserFactory()
        for _ in range(2):
            case_submit(user=resident, service_key="haeufig", data={"reason": "x"})
    html = commune_client(kriens).get("/").content.decode()
    assert 'role="search"' in html and 'action="/dienstleistungen/"' in html
    assert html.index("/dienstleistungen/haeufig/") < html.index("/dienstleistungen/selten/")
    assert "Kontakt und Öffnungszeiten" in html and "6010 Kriens" in html


def test_admin_sees_the_offers_page_in_the_navigation(kriens, in_commune, commune_client):
    """The commune administration has the offers page in its navigation; a resident does not."""
    with in_commune(kriens):
        admin = UserFactory(admin=True)
        resident = UserFactory()
    assert (
        'href="/verwaltung/angebot/"'
        in commune_client(kriens, user=admin).get("/").content.decode()
    )
    assert (
        'href="/verwaltung/angebot/"'
        not in commune_client(kriens, user=resident).get("/").content.decode()
    )
