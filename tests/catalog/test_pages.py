"""Public catalogue pages and the commune host's service pages and activation UI."""

import pytest

from catalog.models import OfferIndex, Service
from catalog.offers.models import ServiceOffer
from catalog.services import offer_set, offers_seed_defaults
from tests.factories import UserFactory


def test_home_links_catalogue(seeded, public_client):
    """The public start page leads to the catalogue and its search."""
    html = public_client.get("/").content.decode()
    assert 'href="/katalog/"' in html and 'action="/katalog/suche/"' in html


def test_catalogue_by_topic_and_level(seeded, public_client):
    """/katalog/ lists all services and filters by topic and by level."""
    html = public_client.get("/katalog/").content.decode()
    assert "Wohnsitzbestätigung" in html and "Nach Lebenslage" in html and "Nach Ebene" in html
    tiere = public_client.get("/katalog/", {"topic": "tiere"}).content.decode()
    assert "Hund anmelden" in tiere and "Baugesuch einreichen" not in tiere
    bund = public_client.get("/katalog/", {"level": "bund"}).content.decode()
    assert "Identitätskarte beantragen" in bund and "Hund anmelden" not in bund


def test_search_page(seeded, public_client):
    """The search page finds the dog registration for "hunde"."""
    response = public_client.get("/katalog/suche/", {"q": "hunde"})
    assert response.status_code == 200
    assert "Hund anmelden" in response.content.decode()
    assert (
        "Keine Dienstleistung gefunden"
        in public_client.get("/katalog/suche/", {"q": "xqzvw"}).content.decode()
    )


def test_service_page_shows_offering_communes(seeded, kriens, emmen, in_commune, public_client):
    """The service page shows texts, fee, legal basis and links to each offering commune."""
    with in_commune(kriens):
        offers_seed_defaults()
    with in_commune(emmen):
        offer_set(
            service=Service.objects.get(key="hund-anmelden"),
            stage="link",
            link_url="https://www.emmen.ch/hund",
        )
    html = public_client.get("/katalog/hund-anmelden/").content.decode()
    assert "CHF 120.00" in html and "Hundegesetz" in html and "AMICUS" in html
    assert f"http://{kriens.primary_domain}/dienstleistungen/hund-anmelden/" in html
    assert "https://www.emmen.ch/hund" in html
    assert public_client.get("/katalog/gibt-es-nicht/").status_code == 404


def test_service_page_commune_chooser(seeded, kriens, emmen, in_commune, public_client):
    """Choosing an offering commune redirects there; another gets a clear message."""
    with in_commune(kriens):
        offers_seed_defaults()
    response = public_client.get("/katalog/baugesuch/", {"gemeinde": "kriens"})
    assert response.status_code == 302 and "/dienstleistungen/baugesuch/" in response["Location"]
    html = public_client.get("/katalog/baugesuch/", {"gemeinde": "emmen"}).content.decode()
    assert "Emmen bietet diese Dienstleistung noch nicht online an" in html


@pytest.fixture
def kriens_offers(seeded, kriens, in_commune):
    with in_commune(kriens):
        offers_seed_defaults()
    return kriens


def test_commune_service_list_and_detail(kriens_offers, in_commune, commune_client):
    """/dienstleistungen/ lists the offers; the detail leads to the order page."""
    client = commune_client(kriens_offers)
    html = client.get("/dienstleistungen/").content.decode()
    assert "Wohnsitzbestätigung" in html and "Baugesuch einreichen" in html
    detail = client.get("/dienstleistungen/baugesuch/").content.decode()
    assert 'href="/dienstleistungen/baugesuch/bestellen/"' in detail
    assert "Jetzt bestellen" in detail
    detail = client.get("/dienstleistungen/wohnsitzbestaetigung/").content.decode()
    # Reads the resident register: a verified login is needed, the page says so and why.
    assert "Verifizierte Anmeldung nötig" in detail and "CHF 20.00" in detail
    assert (
        "/anmelden/e-id/?stufe=verified&amp;next=%2Fdienstleistungen%2Fwohnsitzbestaetigung"
        in detail
    )
    assert "Jetzt bestellen" not in detail
    moves = client.get("/dienstleistungen/", {"q": "zügeln"}).content.decode()
    assert "Umzug innerhalb der Gemeinde" in moves and "Hund anmelden" not in moves
    animals = client.get("/dienstleistungen/", {"topic": "tiere"}).content.decode()
    assert "Hund abmelden" in animals and "Baugesuch einreichen" not in animals


def test_commune_link_stage_links_out(kriens_offers, in_commune, commune_client):
    """A service at stage link leads to the old Online-Schalter instead of the order page."""
    with in_commune(kriens_offers):
        offer_set(
            service=Service.objects.get(key="baugesuch"),
            stage="link",
            link_url="https://www.kriens.ch/bau",
        )
    html = commune_client(kriens_offers).get("/dienstleistungen/baugesuch/").content.decode()
    assert 'href="https://www.kriens.ch/bau"' in html and "/bestellen/" not in html


def test_commune_not_offered_is_404(kriens_offers, in_commune, commune_client):
    """A withdrawn service is not shown on the commune host."""
    with in_commune(kriens_offers):
        offer_set(service=Service.objects.get(key="baugesuch"), stage="form", active=False)
    assert commune_client(kriens_offers).get("/dienstleistungen/baugesuch/").status_code == 404


def logged_in(commune, in_commune, commune_client, **traits):
    client = commune_client(commune)
    with in_commune(commune):
        client.force_login(UserFactory(**traits))
    return client


def test_admin_activation_pages(kriens_offers, in_commune, commune_client):
    """An administrator sees the list and changes an offer through the form."""
    client = logged_in(kriens_offers, in_commune, commune_client, admin=True)
    html = client.get("/verwaltung/angebot/").content.decode()
    assert "Baugesuch einreichen" in html and "Bauamt" in html and "CHF 300.00" in html
    assert client.get("/verwaltung/angebot/baugesuch/").status_code == 200
    response = client.post(
        "/verwaltung/angebot/baugesuch/",
        {"active": "on", "stage": "form", "fee_override": "280.00", "department": "Bauamt Kriens"},
    )
    assert response.status_code == 302
    with in_commune(kriens_offers):
        offer = ServiceOffer.objects.get(service__key="baugesuch")
        assert str(offer.fee_override) == "280.00" and offer.department == "Bauamt Kriens"


def test_admin_form_errors_change_nothing(kriens_offers, in_commune, commune_client):
    """Stage link without URL, or a pilot outside Public Innovators, shows errors; no change."""
    kriens_offers.public_innovator = False
    kriens_offers.save()
    client = logged_in(kriens_offers, in_commune, commune_client, admin=True)
    response = client.post("/verwaltung/angebot/baugesuch/", {"active": "on", "stage": "link"})
    assert response.status_code == 400
    assert "bisherigen Online-Schalters" in response.content.decode()
    response = client.post(
        "/verwaltung/angebot/mieterwechsel-melden/", {"active": "on", "stage": "form"}
    )
    assert response.status_code == 400 and "Public-Innovator" in response.content.decode()
    with in_commune(kriens_offers):
        assert ServiceOffer.objects.get(service__key="baugesuch").stage == "form"
        assert not ServiceOffer.objects.filter(service__key="mieterwechsel-melden").exists()
    assert not OfferIndex.objects.filter(
        commune=kriens_offers, service__key="mieterwechsel-melden"
    ).exists()


@pytest.mark.parametrize("traits", [{}, {"clerk": True}])
def test_admin_pages_refused_for_others(kriens_offers, in_commune, commune_client, traits):
    """Residents and clerks get 403 and cannot change an offer."""
    client = logged_in(kriens_offers, in_commune, commune_client, **traits)
    assert client.get("/verwaltung/angebot/").status_code == 403
    response = client.post("/verwaltung/angebot/baugesuch/", {"active": "", "stage": "form"})
    assert response.status_code == 403
    with in_commune(kriens_offers):
        assert ServiceOffer.objects.get(service__key="baugesuch").active is True


def test_admin_pages_need_login(kriens_offers, commune_client):
    """Anonymous visitors are sent to the login page."""
    response = commune_client(kriens_offers).get("/verwaltung/angebot/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_catalogue_in_english(seeded, public_client):
    """After switching to English, the catalogue shows English texts and headings."""
    public_client.post("/i18n/setlang/", {"language": "en", "next": "/katalog/"})
    html = public_client.get("/katalog/").content.decode()
    assert "By life event" in html and "Register a dog" in html
