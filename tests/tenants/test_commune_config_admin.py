"""The configuration in the admins: the canton edits everything (secrets write-only, errors in
German, nothing saved, "Verbindung testen", health in the list); a commune administrator edits
contact, hours and sender of the own commune only and sees the rest."""

from __future__ import annotations

import re

import pytest

from integrations.reference import processes
from tenants.models import CommuneConfig
from tenants.selectors import commune_integration_config
from tests.factories import UserFactory

from .config_helpers import configure, swiss_iban
from .test_admin_sites import _admin_login

pytestmark = pytest.mark.django_db
SECRET = "geheim-kriens-0815"


@pytest.fixture
def canton_client(public_client, db):
    public_client.force_login(UserFactory(email="staff@lu.ch", canton=True))
    return public_client


def _form_data(client, url: str) -> dict[str, str]:
    """The change form's current values, as a browser would send them back."""
    html = client.get(url).content.decode()
    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        data.setdefault(name, value)
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\s*([^<]*)</textarea>', html):
        data[name] = value.strip()
    data.pop("csrfmiddlewaretoken", None)
    return data


def test_canton_never_shows_a_stored_secret(kriens, canton_client):
    config = configure(kriens, secrets={"resident_register_api_key": SECRET})
    html = canton_client.get(f"/admin/tenants/communeconfig/{config.pk}/change/").content.decode()
    assert SECRET not in html and config.resident_register_api_key_enc not in html
    assert "Hinterlegt. Leer lassen" in html


def test_canton_bad_iban_shows_german_error_and_saves_nothing(kriens, canton_client):
    config = configure(kriens, secrets={"resident_register_api_key": SECRET})
    url = f"/admin/tenants/communeconfig/{config.pk}/change/"
    data = _form_data(canton_client, url)
    data.update(qr_iban="CH4431999123000889013", contact_phone="041 000 00 00")
    response = canton_client.post(url, data)
    assert response.status_code == 200
    assert "Prüfziffer" in response.content.decode()
    config.refresh_from_db()
    assert config.qr_iban != "CH4431999123000889013" and config.contact_phone != "041 000 00 00"


def test_canton_saves_a_new_secret_encrypted_and_keeps_others(kriens, canton_client):
    config = configure(kriens, secrets={"resident_register_api_key": SECRET})
    url = f"/admin/tenants/communeconfig/{config.pk}/change/"
    qr = swiss_iban("31000", "000000000042")
    data = _form_data(canton_client, url)
    data.update(qr_iban=qr, dog_register_api_key="neuer-hunde-schluessel")
    assert canton_client.post(url, data).status_code == 302
    config.refresh_from_db()
    assert config.qr_iban == qr
    assert "neuer-hunde-schluessel" not in config.dog_register_api_key_enc
    assert commune_integration_config(kriens, "dog_register")["api_key"] == "neuer-hunde-schluessel"
    assert commune_integration_config(kriens, "resident_register")["api_key"] == SECRET


def test_verbindung_testen_reports_and_the_list_shows_health(kriens, emmen, canton_client):
    """The action probes each selected commune; the list shows ✓ for Kriens, ✗ for Emmen."""
    register = processes.start_register("resident", api_key="admin-test-key", wait=60)
    try:
        kriens_config = configure(
            kriens,
            resident_register_url=register.url,
            dog_register_url="",
            secrets={"resident_register_api_key": "admin-test-key"},
        )
        emmen_config = configure(
            emmen,
            resident_register_url=register.url,
            dog_register_url="",
            secrets={"resident_register_api_key": "falscher-schluessel"},
        )
        response = canton_client.post(
            "/admin/tenants/communeconfig/",
            {"action": "test_connections", "_selected_action": [kriens_config.pk, emmen_config.pk]},
            follow=True,
        )
    finally:
        register.stop()
    html = response.content.decode()
    assert "Kriens, Einwohnerregister: Erreichbar, Zugang angenommen" in html
    assert "Emmen, Einwohnerregister: Das Register hat den Zugang verweigert" in html
    listing = canton_client.get("/admin/tenants/communeconfig/?q=Kriens").content.decode()
    assert "✓ Erreichbar" in listing


@pytest.fixture
def kriens_admin(kriens, in_commune):
    with in_commune(kriens):
        return UserFactory(email="admin@kriens.ch", admin=True)


def test_commune_admin_edits_contact_but_not_the_account(
    kriens, emmen, kriens_admin, commune_client, in_commune
):
    """Kriens' administrator changes phone and sender; a posted QR-IBAN is ignored (read-only);
    Emmen's configuration is not reachable from Kriens."""
    config = configure(kriens, secrets={"resident_register_api_key": SECRET})
    emmen_config = configure(emmen)
    client = commune_client(kriens)
    _admin_login(client, kriens, kriens_admin, in_commune)
    url = f"/admin/tenants/communeconfig/{config.pk}/change/"
    page = client.get(url).content.decode()
    assert config.qr_iban in page and SECRET not in page
    data = _form_data(client, url)
    data.update(
        contact_phone="041 318 00 00",
        mail_sender="neu@kriens.example.ch",
        qr_iban=swiss_iban("30000", "000000000666"),
    )
    assert client.post(url, data).status_code == 302
    config.refresh_from_db()
    assert config.contact_phone == "041 318 00 00" and config.mail_sender == "neu@kriens.example.ch"
    assert config.qr_iban != swiss_iban("30000", "000000000666")
    assert client.get(f"/admin/tenants/communeconfig/{emmen_config.pk}/change/").status_code in (
        302,
        404,
    )


def test_commune_admin_bad_email_saves_nothing(kriens, kriens_admin, commune_client, in_commune):
    config = configure(kriens)
    client = commune_client(kriens)
    _admin_login(client, kriens, kriens_admin, in_commune)
    url = f"/admin/tenants/communeconfig/{config.pk}/change/"
    data = _form_data(client, url)
    data.update(mail_reply_to="keine-adresse", contact_phone="041 999 00 00")
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="id_mail_reply_to_error"' in html
    assert "gültige E-Mail" in html
    assert CommuneConfig.objects.get(pk=config.pk).contact_phone != "041 999 00 00"
