import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts import selectors, services
from accounts.models import ResidentProfile
from accounts.validators import ahv_normalize, ean13_check_digit, validate_ahv_number
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "first_name": "Anna",
    "last_name": "Muster",
    "date_of_birth": "31.01.1985",
    "ahv_number": "756 9217 0769 85",
    "sex": "2",
    "street": "Schachenstrasse",
    "house_number": "17a",
    "postcode": "6010",
    "town": "Kriens",
    "phone": "041 123 45 67",
}


@pytest.fixture
def resident(kriens, in_commune):
    with in_commune(kriens):
        return UserFactory(email="anna@example.ch", first_name="A", last_name="M")


@pytest.fixture
def client(kriens, commune_client, in_commune, resident):
    client = commune_client(kriens)
    with in_commune(kriens):
        client.force_login(resident)
    return client


def test_profile_requires_login(kriens, commune_client):
    """Anonymous visitors are sent to the login page."""
    response = commune_client(kriens).get("/profil/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/profil/")


def test_saving_a_valid_profile_stores_normalized_data(kriens, in_commune, client, resident):
    """A valid profile is saved, the AHV number in the form 756.XXXX.XXXX.XX."""
    response = client.post("/profil/", GOOD)

    assert response.status_code == 302
    with in_commune(kriens):
        resident.refresh_from_db()
        assert selectors.profile_for(resident) == {
            "first_name": "Anna",
            "last_name": "Muster",
            "date_of_birth": "1985-01-31",
            "ahv_number": "756.9217.0769.85",
            "sex": "2",
            "street": "Schachenstrasse",
            "house_number": "17a",
            "postcode": "6010",
            "town": "Kriens",
            "phone": "041 123 45 67",
            "email": "anna@example.ch",
        }
        assert selectors.profile_is_complete(resident)
    page = client.get("/profil/").content.decode()
    assert 'value="756.9217.0769.85"' in page
    assert '<option value="2" selected>weiblich</option>' in page
    assert "Ihre Angaben wurden gespeichert." in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ahv_number", "756.9217.0769.84", "Prüfziffer"),
        ("ahv_number", "123.4567.8901.23", "756.XXXX.XXXX.XX"),
        ("postcode", "0999", "zwischen 1000 und 9699"),
        ("postcode", "9700", "zwischen 1000 und 9699"),
        ("postcode", "60100", "zwischen 1000 und 9699"),
        ("date_of_birth", "31.02.1985", "TT.MM.JJJJ"),
        ("date_of_birth", "01.01.2999", "Zukunft"),
        ("phone", "abc", "Telefonnummer"),
        ("sex", "3", "«männlich», «weiblich» oder keine Angabe"),
        ("town", "", "Ort"),
        ("ahv_number", "", "AHV-Nummer"),
    ],
)
def test_bad_profile_input_is_refused_per_field_and_nothing_is_saved(
    kriens, in_commune, client, resident, field, value, message
):
    """Each bad value gets a German message at its field; names and profile stay unchanged."""
    response = client.post("/profil/", {**GOOD, field: value})

    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert list(form.errors) == [field]
    page = response.content.decode()
    assert 'id="error-summary"' in page
    assert f'href="#id_{field}"' in page
    assert "<title>Fehler:" in page
    with in_commune(kriens):
        resident.refresh_from_db()
        assert (resident.first_name, resident.last_name) == ("A", "M")
        profile = ResidentProfile.objects.filter(user=resident).first()
        assert profile is None or profile.ahv_number == ""


def test_profile_update_raises_and_keeps_the_old_data(kriens, in_commune, resident):
    """The service itself refuses bad data even without the form, and keeps what was stored."""
    with in_commune(kriens):
        good = {**GOOD, "date_of_birth": dt.date(1985, 1, 31)}
        services.profile_update(user=resident, **good)
        with pytest.raises(ValidationError) as raised:
            services.profile_update(user=resident, **{**good, "postcode": "12", "town": "X"})
        assert set(raised.value.message_dict) == {"postcode"}
        assert ResidentProfile.objects.get(user=resident).town == "Kriens"


def test_sex_is_optional_and_refused_when_not_an_ech_code(kriens, in_commune, resident):
    """Without a sex the profile is complete; a value other than the eCH-0044 codes is refused
    with a German message and the stored sex stays."""
    with in_commune(kriens):
        good = {**GOOD, "date_of_birth": dt.date(1985, 1, 31), "sex": ""}
        services.profile_update(user=resident, **good)
        assert selectors.profile_for(resident)["sex"] == ""
        assert selectors.profile_is_complete(resident)
        services.profile_update(user=resident, **{**good, "sex": "1"})
        with pytest.raises(ValidationError) as raised:
            services.profile_update(user=resident, **{**good, "sex": "x", "town": "Horw"})
        assert set(raised.value.message_dict) == {"sex"}
        assert "männlich" in raised.value.message_dict["sex"][0]
        profile = ResidentProfile.objects.get(user=resident)
        assert (profile.sex, profile.town) == ("1", "Kriens")


def test_profile_for_a_user_without_profile_has_empty_values(kriens, in_commune, resident):
    """profile_for works before the resident has entered anything."""
    with in_commune(kriens):
        data = selectors.profile_for(resident)
        assert data["email"] == "anna@example.ch"
        assert data["ahv_number"] == "" and data["date_of_birth"] == ""
        assert not selectors.profile_is_complete(resident)


def test_ahv_helpers():
    """AHV numbers are normalized and their EAN-13 check digit is verified."""
    assert ean13_check_digit("756921707698") == 5
    assert ahv_normalize("7569217076985") == "756.9217.0769.85"
    validate_ahv_number("756.1234.5678.97")
    with pytest.raises(ValidationError):
        validate_ahv_number("756.1234.5678.90")


def test_commune_admin_sees_the_identity_data_in_the_user_admin(
    kriens, in_commune, commune_client, resident
):
    """The commune's user admin shows the profile inline."""
    with in_commune(kriens):
        services.profile_update(user=resident, **{**GOOD, "date_of_birth": dt.date(1985, 1, 31)})
        admin = UserFactory(admin=True)
        client = commune_client(kriens)
        client.force_login(admin)

    response = client.get(f"/admin/accounts/user/{resident.pk}/change/")

    assert response.status_code == 200
    assert "756.9217.0769.85" in response.content.decode()
