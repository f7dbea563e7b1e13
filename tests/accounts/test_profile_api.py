import pytest

from accounts.models import ResidentProfile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "first_name": "Anna",
    "last_name": "Muster",
    "date_of_birth": "1985-01-31",
    "ahv_number": "7569217076985",
    "sex": "1",
    "street": "Schachenstrasse",
    "house_number": "17a",
    "postcode": "6010",
    "town": "Kriens",
}


@pytest.fixture
def api(kriens, commune_client, in_commune):
    with in_commune(kriens):
        user = UserFactory(email="anna@example.ch")
    client = commune_client(kriens)
    token = client.post(
        "/api/auth/token/",
        {"email": "anna@example.ch", "password": "Sicheres-Passwort-2026"},
        content_type="application/json",
    ).json()["token"]
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    return client, user


def test_profile_api_reads_and_replaces_the_identity_data(api):
    """PUT stores the profile (AHV normalized), GET returns it."""
    client, _user = api
    response = client.put("/api/me/profile/", GOOD, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["ahv_number"] == "756.9217.0769.85"
    assert client.get("/api/me/profile/").json() == {
        **GOOD,
        "ahv_number": "756.9217.0769.85",
        "phone": "",
        "email": "anna@example.ch",
    }


def test_profile_api_refuses_bad_data_per_field_and_saves_nothing(kriens, in_commune, api):
    """A bad check digit and postcode give 400 with a German message per field."""
    client, user = api
    bad = {**GOOD, "ahv_number": "756.9217.0769.84", "postcode": "999"}

    response = client.put("/api/me/profile/", bad, content_type="application/json")

    assert response.status_code == 400
    assert "Prüfziffer" in response.json()["ahv_number"][0]
    assert "1000 und 9699" in response.json()["postcode"][0]
    with in_commune(kriens):
        assert not ResidentProfile.objects.filter(user=user).exclude(ahv_number="").exists()


def test_profile_api_refuses_an_unknown_sex_code(kriens, in_commune, api):
    """Only the eCH-0044 codes "1" and "2" (or "") are accepted, with a German message."""
    client, user = api
    response = client.put("/api/me/profile/", {**GOOD, "sex": "3"}, content_type="application/json")
    assert response.status_code == 400
    assert "männlich" in response.json()["sex"][0]
    with in_commune(kriens):
        assert not ResidentProfile.objects.filter(user=user).exists()


def test_profile_api_needs_login(kriens, commune_client):
    """Without a token the profile is not readable."""
    assert commune_client(kriens).get("/api/me/profile/").status_code in (401, 403)
