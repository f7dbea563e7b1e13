"""tenants.services.commune_config_update and the reads on CommuneConfig: validation (German,
nothing saved), secrets encrypted in SQL, key rotation, contact on the commune home."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from tenants import config_secrets as crypto
from tenants.models import CommuneConfig
from tenants.selectors import (
    commune_contact,
    commune_creditor,
    commune_integration_config,
    commune_mail_sender,
)
from tenants.services import commune_config_update

from .config_helpers import configure, swiss_iban

pytestmark = pytest.mark.django_db

KRIENS_QR = swiss_iban("30808", "000000123456")
SECRET = "kriens-geheimer-schluessel-4711"


def _snapshot(commune) -> dict:
    return CommuneConfig.objects.filter(commune=commune).values().first()


def _errors(commune, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        commune_config_update(commune=commune, **kwargs)
    return caught.value.message_dict


def test_valid_configuration_is_saved_and_served_per_block(kriens):
    """A complete configuration is stored; its blocks come back decrypted in INTEGRATIONS
    shape, its creditor, sender and contact through the selectors."""
    configure(kriens, secrets={"resident_register_api_key": SECRET}, qr_iban=KRIENS_QR)
    block = commune_integration_config(kriens, "resident_register")
    assert block["api_key"] == SECRET and block["sender_id"] == "3-LU-1059"
    assert commune_integration_config(kriens, "billing")["qr_iban"] == KRIENS_QR
    assert commune_creditor(kriens) == {
        "name": "Gemeinde Kriens",
        "street": "Gemeindehausplatz",
        "house_number": "1",
        "postcode": "6010",
        "town": "Kriens",
    }
    assert commune_mail_sender(kriens) == (
        "einwohnerportal@kriens.example.ch",
        ["einwohnerdienste@kriens.example.ch"],
    )
    contact = commune_contact(commune=kriens)
    assert (contact.postcode, contact.town) == ("6010", "Kriens")
    assert contact.address == "Gemeindehausplatz 1"
    assert contact.phone and contact.email.endswith("@kriens.example.ch")
    assert contact.hours[0] == ("Montag–Freitag", "08.00–11.45 und 13.30–17.00")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"qr_iban": "CH4431999123000889013"}, "qr_iban", "Prüfziffer"),
        ({"qr_iban": swiss_iban("09000", "000000000001")}, "qr_iban", "30000 und 31999"),
        ({"iban": swiss_iban("30000", "000000000001")}, "iban", "keine QR-IBAN"),
        ({"iban": "DE89370400440532013000"}, "iban", "Schweizer"),
        ({"resident_register_url": "ftp://register.example.ch"}, "resident_register_url", "http"),
        ({"mail_sender": "kein-mail"}, "mail_sender", "E-Mail-Adresse"),
        ({"creditor_street": ""}, "creditor_street", "fehlt"),
        ({"qr_iban": "", "iban": ""}, "qr_iban", "ohne Konto keine Rechnung"),
        ({"resident_register_sender_id": "LU1"}, "resident_register_sender_id", "eCH-0058"),
    ],
)
def test_invalid_values_are_refused_in_german_and_nothing_is_saved(kriens, changes, field, message):
    """Each bad value names its field in German; the stored configuration is unchanged, also
    the valid changes sent with it."""
    configure(kriens, qr_iban=KRIENS_QR)
    before = _snapshot(kriens)
    errors = _errors(kriens, changes={**changes, "contact_phone": "041 000 00 00"})
    assert message in " ".join(errors[field])
    assert _snapshot(kriens) == before


def test_first_configuration_with_errors_creates_no_row(kriens):
    """A new configuration with an error is not created at all."""
    errors = _errors(kriens, changes={"creditor_name": "Gemeinde Kriens"})
    assert "qr_iban" in errors and "mail_sender" in errors
    assert not CommuneConfig.objects.filter(commune=kriens).exists()


def test_endpoint_without_credential_is_refused(kriens):
    errors = _errors(
        kriens,
        changes={"resident_register_url": "http://127.0.0.1:9", "qr_iban": KRIENS_QR},
    )
    assert "Zugang" in errors["resident_register_api_key"][0]
    assert not CommuneConfig.objects.filter(commune=kriens).exists()


def test_commune_administrator_fields_only(kriens):
    """With ``allowed`` (the commune administrator's fields) the account cannot be changed."""
    configure(kriens, qr_iban=KRIENS_QR)
    before = _snapshot(kriens)
    errors = _errors(
        kriens,
        changes={"qr_iban": swiss_iban("30000", "000000000777"), "contact_phone": "041 1"},
        allowed=["contact_phone"],
    )
    assert "nicht ändern" in errors["qr_iban"][0]
    assert _snapshot(kriens) == before


def _raw_row(commune) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_to_json(c)::text FROM public.tenants_communeconfig c WHERE commune_id = %s",
            [commune.pk],
        )
        return cursor.fetchone()[0]


def test_secrets_are_encrypted_in_the_table(kriens):
    """No plain secret in any column of the row; the token opens with the configured key."""
    configure(
        kriens, secrets={"resident_register_api_key": SECRET, "payment_api_password": "pw-0815"}
    )
    raw = _raw_row(kriens)
    assert SECRET not in raw and "pw-0815" not in raw
    row = json.loads(raw)
    assert row["resident_register_api_key_enc"].startswith("gAAAA")
    assert crypto.decrypt(row["resident_register_api_key_enc"]) == SECRET


def test_empty_secret_keeps_the_stored_one(kriens):
    configure(kriens, secrets={"resident_register_api_key": SECRET})
    commune_config_update(
        commune=kriens,
        changes={"contact_phone": "041 999 99 99"},
        secrets={"resident_register_api_key": ""},
    )
    assert commune_integration_config(kriens, "resident_register")["api_key"] == SECRET


def test_key_rotation_reencrypts_with_the_new_key(kriens, settings):
    """New key first, old behind it, rotate: afterwards the new key alone opens every secret."""
    old = settings.COMMUNE_CONFIG_KEYS
    configure(kriens, secrets={"resident_register_api_key": SECRET})
    before = json.loads(_raw_row(kriens))["resident_register_api_key_enc"]
    new_key = Fernet.generate_key().decode()
    settings.COMMUNE_CONFIG_KEYS = [new_key, *old]
    out = StringIO()
    call_command("rotate_commune_config_keys", stdout=out)
    assert json.loads(out.getvalue())["reencrypted"] >= 1
    after = json.loads(_raw_row(kriens))["resident_register_api_key_enc"]
    assert after != before
    settings.COMMUNE_CONFIG_KEYS = [new_key]
    assert crypto.decrypt(after) == SECRET
    settings.COMMUNE_CONFIG_KEYS = old


def test_commune_home_shows_its_own_contact(kriens, emmen, commune_client):
    """Kriens' start page shows Kriens' phone and hours, never Emmen's."""
    configure(kriens, contact_phone="041 111 11 11", opening_hours="Mo–Fr 08.00–12.00")
    configure(emmen, contact_phone="041 222 22 22")
    html = commune_client(kriens).get("/").content.decode()
    assert "Kontakt und Öffnungszeiten" in html
    assert "041 111 11 11" in html and "<dt>Mo–Fr</dt><dd>08.00–12.00</dd>" in html
    assert "041 222 22 22" not in html
