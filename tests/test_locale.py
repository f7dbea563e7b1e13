import pytest

pytestmark = pytest.mark.django_db


def test_german_is_the_default_whatever_the_browser_asks(public_client):
    """A browser asking for English still gets the German portal."""
    body = public_client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="de' in body
    assert "Ihre Gemeinde finden" in body


def test_english_once_chosen(public_client):
    """The language switch sets English for the following pages."""
    response = public_client.post("/i18n/setlang/", {"language": "en", "next": "/katalog/"})
    assert response.status_code == 302
    body = public_client.get("/katalog/").content.decode()
    assert 'lang="en' in body


def test_start_pages_in_english(public_client, kriens, commune_client):
    """The cantonal and the commune start page are translated once English is chosen."""
    public_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Find your commune" in public_client.get("/").content.decode()
    client = commune_client(kriens)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Welcome to the online counter of Kriens" in client.get("/").content.decode()
