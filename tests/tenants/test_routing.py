import pytest

pytestmark = pytest.mark.django_db


def test_public_host_serves_the_cantonal_home(public_client):
    """The public host shows the cantonal start page with the commune finder."""
    response = public_client.get("/")
    assert response.status_code == 200
    assert "Ihre Gemeinde finden" in response.content.decode()
    assert "Kriens" in response.content.decode()


def test_commune_host_serves_the_commune_home(kriens, commune_client):
    """A commune host shows that commune's start page."""
    response = commune_client(kriens).get("/")
    assert response.status_code == 200
    assert "Online-Schalter von Kriens" in response.content.decode()
