import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import Commune, Domain

pytestmark = pytest.mark.django_db


def test_public_host_serves_the_cantonal_home(public_client):
    """The public host shows the cantonal start page with the commune finder."""
    response = public_client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ihre Gemeinde finden" in body
    assert "http://kriens.localhost/" in body


def test_commune_finder_filters_by_name(public_client):
    """The finder on the public host lists only communes whose name matches."""
    body = public_client.get("/", {"q": "kri"}).content.decode()
    assert "Kriens" in body
    assert "Emmen" not in body


def test_commune_host_serves_the_commune_home(kriens, commune_client):
    """A commune host shows that commune's start page."""
    response = commune_client(kriens).get("/")
    assert response.status_code == 200
    assert "Online-Schalter von Kriens" in response.content.decode()


def test_unknown_host_gets_a_404_page(client):
    """A host that belongs to no commune gets a German 404 page, not an error."""
    response = client.get("/", HTTP_HOST="atlantis.localhost")
    assert response.status_code == 404
    assert "gehört zu keiner Gemeinde" in response.content.decode()


def test_host_with_underscore_gets_a_404_page(client):
    """A host Django refuses (underscore) is a clean 404 as well."""
    response = client.get("/", HTTP_HOST="bad_host.localhost")
    assert response.status_code == 404


def test_unknown_path_on_commune_host_is_404(kriens, commune_client):
    """Public-only pages do not exist on a commune host."""
    assert commune_client(kriens).get("/api/communes/").status_code == 404


def test_merged_commune_redirects_to_the_absorbing_one(client):
    """Honau (merged into Root on 2025-01-01) redirects, path and query kept."""
    response = client.get("/healthz?x=1", HTTP_HOST="honau.localhost:8000")
    assert response.status_code == 301
    assert response["Location"] == "http://root.localhost:8000/healthz?x=1"


def test_host_resolution_is_cached(kriens, commune_client):
    """A second request to the same host does not look the domain up again."""
    client = commune_client(kriens)
    client.get("/healthz")
    with CaptureQueriesContext(connection) as queries:
        client.get("/healthz")
    assert not [q for q in queries.captured_queries if "tenants_domain" in q["sql"]]


def test_cache_follows_a_domain_change(kriens, commune_client, client):
    """A new domain works at once; a removed one is gone at once."""
    assert client.get("/", HTTP_HOST="kriens-neu.localhost").status_code == 404
    domain = Domain.objects.create(domain="kriens-neu.localhost", tenant=kriens, is_primary=False)
    assert client.get("/", HTTP_HOST="kriens-neu.localhost").status_code == 200
    domain.delete()
    assert client.get("/", HTTP_HOST="kriens-neu.localhost").status_code == 404


def test_cache_follows_a_commune_merger(commune_client, client):
    """When a commune is marked merged, its host redirects immediately."""
    client.get("/", HTTP_HOST="malters.localhost")
    malters = Commune.objects.get(slug="malters")
    malters.status = Commune.Status.MERGED
    malters.merged_into = Commune.objects.get(slug="luzern")
    malters.save()
    response = client.get("/", HTTP_HOST="malters.localhost")
    assert response.status_code == 301
    assert response["Location"] == "http://luzern.localhost/"


def test_cookies_are_bound_to_their_host(kriens, commune_client, settings):
    """Session and CSRF cookies are host-only (no Domain attribute)."""
    assert settings.SESSION_COOKIE_DOMAIN is None
    assert settings.CSRF_COOKIE_DOMAIN is None
    response = commune_client(kriens).get("/login/")
    cookie = response.cookies["csrftoken"]
    assert cookie["domain"] == ""
