"""A complete, distinct development configuration for every commune (the run command's
seeding, ``manage.py seed_commune_configs``): the reference registers' endpoints with each
commune's own key (``integrations.reference.common.commune_api_key``), QR-IBAN and IBAN with
correct check digits, the creditor's postcode and town from the vendored list. Street, phone,
mail and web addresses are fictitious (``example.ch``)."""

from __future__ import annotations

from django.conf import settings

from integrations.adapters.documents.seal import dev_sealing_identity
from integrations.reference.common import DEV_COMMUNE_KEY_SECRET, commune_api_key
from tenants.models import Commune
from tenants.postcodes import luzern_postcodes

QR_IID = "30000"  # QR-IBAN institution id range 30000–31999
IBAN_IID = "09000"  # an ordinary (PostFinance-like) institution id


def swiss_iban(iid: str, account: str) -> str:
    """A Swiss IBAN (``CH`` + ISO 13616 check digits + 5-digit IID + 12-digit account)."""
    bban = f"{iid}{account:0>12}"
    numeric = "".join(str(int(c, 36)) for c in bban + "CH00")
    return f"CH{98 - int(numeric) % 97:02d}{bban}"


def dev_configuration(commune: Commune) -> tuple[dict[str, str], dict[str, str]]:
    """(plain fields, secrets) of ``commune``'s development configuration."""
    bfs, slug = commune.bfs_number, commune.slug
    name, postcode = luzern_postcodes().get(bfs, (commune.name, ""))
    town = name.removesuffix(" (LU)")
    defaults = getattr(settings, "INTEGRATIONS", {})
    secret = getattr(settings, "REFERENCE_COMMUNE_KEY_SECRET", DEV_COMMUNE_KEY_SECRET)
    payment = defaults.get("payment", {})
    plain = {
        "resident_register_product": "Referenzregister Einwohner",
        "resident_register_url": defaults.get("resident_register", {}).get("url", ""),
        "resident_register_sender_id": f"3-LU-{bfs}",
        "dog_register_product": "Referenzregister Hunde",
        "dog_register_url": defaults.get("dog_register", {}).get("url", ""),
        "payment_provider": payment.get("provider", "") if payment.get("url") else "",
        "payment_url": payment.get("url", ""),
        "payment_merchant_id": f"LU{bfs}" if payment.get("url") else "",
        "qr_iban": swiss_iban(QR_IID, f"{bfs:06d}000001"),
        "iban": swiss_iban(IBAN_IID, f"{bfs:06d}000002"),
        "creditor_name": f"Gemeinde {commune.name}",
        "creditor_street": "Gemeindehausplatz",
        "creditor_house_number": "1",
        "creditor_postcode": postcode,
        "creditor_town": town,
        "fee_account": f"4210.{bfs}",
        "mail_sender": f"einwohnerportal@{slug}.example.ch",
        "mail_reply_to": f"einwohnerdienste@{slug}.example.ch",
        "contact_address": f"Gemeinde {commune.name}\nGemeindehausplatz 1\n{postcode} {town}",
        "contact_phone": f"041 {bfs % 1000:03d} 10 00",
        "contact_email": f"einwohnerdienste@{slug}.example.ch",
        "contact_web": f"https://www.{slug}.example.ch/",
        "opening_hours": "Montag–Freitag 08.00–11.45 und 13.30–17.00\nDonnerstag bis 18.30",
    }
    secrets = {
        "resident_register_api_key": commune_api_key(
            register="resident", bfs_number=bfs, secret=secret
        ),
        "dog_register_api_key": commune_api_key(register="dog", bfs_number=bfs, secret=secret),
    }
    if payment.get("url"):
        # The reference provider accepts each commune's own key; it signs its notifications
        # with one key for all merchants (its --hmac-key), so that is every commune's sign key.
        secrets["payment_api_password"] = commune_api_key(
            register="payment", bfs_number=bfs, secret=secret
        )
        secrets["payment_sign_key"] = str(payment.get("hmac_key") or "")
    if getattr(settings, "SEAL_DEV_CA", False):
        seal = dev_sealing_identity(commune_name=commune.name, bfs_number=bfs)
        secrets["seal_key_pem"] = seal["key_pem"]
        secrets["seal_certificate_pem"] = seal["cert_pem"] + seal["chain_pem"]
    return plain, secrets
