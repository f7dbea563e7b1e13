"""The per-commune configuration (``CommuneConfig``): reads for the adapters, mails and pages,
and the one write path, which validates everything and encrypts secrets.

Other apps use the names re-exported by ``tenants.selectors`` and ``tenants.services``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.db.models import URLField
from django.utils import timezone
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from . import config_secrets as crypto
from .models import Commune, CommuneConfig
from .routing import kept_per_process

SECRETS = (
    "resident_register_api_key",
    "dog_register_api_key",
    "payment_api_password",
    "payment_sign_key",
    "seal_key_pem",
    "seal_certificate_pem",
)
# What a commune administrator may change on the commune host; the rest is the canton's.
COMMUNE_EDITABLE = (
    "contact_address",
    "contact_phone",
    "contact_email",
    "contact_web",
    "opening_hours",
    "mail_sender",
    "mail_reply_to",
)
REQUIRED = {
    "creditor_name": "Name des Zahlungsempfängers",
    "creditor_street": "Strasse des Zahlungsempfängers",
    "creditor_postcode": "PLZ des Zahlungsempfängers",
    "creditor_town": "Ort des Zahlungsempfängers",
    "mail_sender": "Absender der E-Mails",
}
URLS = ("resident_register_url", "dog_register_url", "payment_url", "contact_web")
EMAILS = ("mail_sender", "mail_reply_to", "contact_email")
# Connection block → (URL field, secret that must exist when the URL is set).
CONNECTIONS = {
    "resident_register": ("resident_register_url", "resident_register_api_key"),
    "dog_register": ("dog_register_url", "dog_register_api_key"),
    "payment": ("payment_url", "payment_api_password"),
}
PARTICIPANT_ID = re.compile(r"T?[1-9]-[0-9A-Z]+-[0-9]+|T?0-sedex-0")


# --- Reads --------------------------------------------------------------------------------------
def commune_config(commune: Commune) -> CommuneConfig | None:
    return CommuneConfig.objects.filter(commune_id=commune.pk).first()


_BLOCKS: dict[str, Callable[[CommuneConfig], dict[str, Any]]] = {
    "resident_register": lambda config: {
        "url": config.resident_register_url,
        "api_key": crypto.decrypt(config.resident_register_api_key_enc),
        "sender_id": config.resident_register_sender_id,
        "product": config.resident_register_product,
    },
    "dog_register": lambda config: {
        "url": config.dog_register_url,
        "api_key": crypto.decrypt(config.dog_register_api_key_enc),
        "product": config.dog_register_product,
    },
    "payment": lambda config: {
        "url": config.payment_url,
        "provider": config.payment_provider,
        "merchant_id": config.payment_merchant_id,
        # The adapter's names (integrations/adapters/payment): API password as bearer
        # key, the notifications' HMAC key ("Sign key", hexadecimal).
        "api_key": crypto.decrypt(config.payment_api_password_enc),
        "hmac_key": crypto.decrypt(config.payment_sign_key_enc),
    },
    # Document seal (integrations/adapters/documents/seal.py): key and certificate (PEM;
    # the certificate may be followed by its issuing chain).
    "sealing": lambda config: {
        "key_pem": crypto.decrypt(config.seal_key_pem_enc),
        "cert_pem": crypto.decrypt(config.seal_certificate_pem_enc),
    },
    "billing": lambda config: {"qr_iban": config.qr_iban or config.iban, "iban": config.iban},
}
"""The adapter configuration blocks (``INTEGRATIONS`` shape) of one commune; a block's secrets
are decrypted only when that block is asked for (the security headers of every page read the
payment block)."""


def commune_integration_config(commune: Commune, config_name: str) -> dict[str, Any]:
    """The commune's own values for adapter block ``config_name`` (empty values left out, so
    that ``settings.INTEGRATIONS`` defaults fill them in development). Read on every call (one
    indexed query): a change in the admin applies to the next job in every process."""
    build = _BLOCKS.get(config_name)
    config = commune_config(commune) if build else None
    if config is None:
        return {}
    return {k: v for k, v in build(config).items() if v}


@dataclass(frozen=True)
class ConfiguredContact:
    name: str
    address_lines: tuple[str, ...]
    phone: str
    email: str
    web: str
    opening_hours: tuple[str, ...]


def configured_contact(commune: Commune) -> ConfiguredContact | None:
    """Contact and opening hours shown on the commune's pages (home, Kontakt, Impressum);
    None when the commune has no configuration."""
    config = commune_config(commune)
    if config is None:
        return None

    def lines(text: str) -> tuple[str, ...]:
        return tuple(line.strip() for line in text.splitlines() if line.strip())

    return ConfiguredContact(
        name=config.creditor_name or f"Gemeinde {commune.name}",
        address_lines=lines(config.contact_address),
        phone=config.contact_phone,
        email=config.contact_email,
        web=config.contact_web,
        opening_hours=lines(config.opening_hours),
    )


def commune_creditor(commune: Commune) -> dict[str, str] | None:
    """Name and address of the commune as creditor of its QR-bills; None when not configured."""
    config = commune_config(commune)
    if config is None or not (config.creditor_name and config.creditor_postcode):
        return None
    return {
        "name": config.creditor_name,
        "street": config.creditor_street,
        "house_number": config.creditor_house_number,
        "postcode": config.creditor_postcode,
        "town": config.creditor_town,
    }


def commune_mail_sender(commune: Commune | None) -> tuple[str | None, list[str]]:
    """(From, Reply-To list) of the commune's mails; (None, []) → the portal's defaults.
    Kept per process (``tenants.routing.kept_per_process``: every notification job asks)."""
    if commune is None:
        return None, []
    row = kept_per_process(
        ("mail-sender", commune.pk),
        lambda: (
            CommuneConfig.objects.filter(commune_id=commune.pk)
            .values_list("mail_sender", "mail_reply_to")
            .first()
        ),
    )
    if row is None:
        return None, []
    sender, reply_to = row
    return sender or None, [reply_to] if reply_to else []


# --- Validation ---------------------------------------------------------------------------------
def _iban_error(value: str, *, qr: bool) -> str | None:
    label = "QR-IBAN" if qr else "IBAN"
    try:
        parsed = IBAN(value)
    except SchwiftyException:
        return f"Die {label} «{value}» ist ungültig (Länge, Aufbau oder Prüfziffer)."
    if parsed.country_code not in ("CH", "LI"):
        return f"Die {label} muss eine Schweizer oder Liechtensteiner IBAN sein."
    iid = int(parsed.bban[:5])
    if qr and not 30000 <= iid <= 31999:
        return "Eine QR-IBAN hat eine Instituts-Identifikation zwischen 30000 und 31999."
    if not qr and 30000 <= iid <= 31999:
        return "Hier gehört eine gewöhnliche IBAN hin, keine QR-IBAN."
    return None


def _pem_error(name: str, value: str) -> str | None:
    try:
        if name == "seal_key_pem":
            load_pem_private_key(value.encode(), password=None)
        else:
            x509.load_pem_x509_certificate(value.encode())
    except (ValueError, TypeError):
        what = "privater Schlüssel" if name == "seal_key_pem" else "Zertifikat"
        return f"Kein gültiger PEM-{what} (unverschlüsselt, PEM-Format)."
    return None


def _format_errors(values: Mapping[str, str], secrets: Mapping[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in ("qr_iban", "iban"):
        if values.get(name) and (message := _iban_error(values[name], qr=name == "qr_iban")):
            errors[name] = message
    url = URLValidator(schemes=["http", "https"])
    for name in URLS:
        try:
            if values.get(name):
                url(values[name])
        except ValidationError:
            errors[name] = "Keine gültige http(s)-Adresse."
    email = EmailValidator()
    for name in EMAILS:
        try:
            if values.get(name):
                email(values[name])
        except ValidationError:
            errors[name] = "Keine gültige E-Mail-Adresse."
    sender = values.get("resident_register_sender_id", "")
    if sender and not PARTICIPANT_ID.fullmatch(sender):
        errors["resident_register_sender_id"] = "Keine eCH-0058-Teilnehmer-ID (z. B. 3-LU-1)."
    for name in ("seal_key_pem", "seal_certificate_pem"):
        if secrets.get(name) and (message := _pem_error(name, secrets[name])):
            errors[name] = message
    return errors


def _completeness_errors(
    values: Mapping[str, str], has_secret: Mapping[str, bool]
) -> dict[str, str]:
    errors = {name: f"{label} fehlt." for name, label in REQUIRED.items() if not values.get(name)}
    if not (values.get("qr_iban") or values.get("iban")):
        errors["qr_iban"] = "QR-IBAN oder IBAN fehlt: ohne Konto keine Rechnung."
    for url_field, secret in CONNECTIONS.values():
        if values.get(url_field) and not has_secret[secret]:
            errors[secret] = "Zum Endpunkt fehlt der Zugang (Schlüssel bzw. Passwort)."
    return errors


def commune_config_validate(
    *, current: CommuneConfig, changes: Mapping[str, str], secrets: Mapping[str, str]
) -> dict[str, str]:
    """German error per field for the configuration ``current`` would become; empty: valid."""
    values = {
        f.name: str(getattr(current, f.name) or "")
        for f in CommuneConfig._meta.fields
        if not f.name.endswith("_enc") and f.name not in ("id", "commune", "health", "updated_at")
    }
    values.update({k: str(v or "").strip() for k, v in changes.items()})
    for name in ("qr_iban", "iban"):
        values[name] = re.sub(r"\s", "", values[name]).upper()
    has_secret = {s: bool(secrets.get(s) or getattr(current, f"{s}_enc")) for s in SECRETS}
    errors = _format_errors(values, secrets)
    for name, message in _completeness_errors(values, has_secret).items():
        errors.setdefault(name, message)
    return errors


# --- Writes -------------------------------------------------------------------------------------
def commune_config_update(
    *,
    commune: Commune,
    changes: Mapping[str, str],
    secrets: Mapping[str, str] | None = None,
    allowed: Iterable[str] | None = None,
) -> CommuneConfig:
    """Change the commune's configuration: ``changes`` plain fields, ``secrets`` new secrets
    (an empty value keeps the stored one). Everything is validated first; on any error a
    ``ValidationError`` with a German message per field is raised and nothing is saved.
    ``allowed`` limits the fields (the commune administrator's)."""
    secrets = {k: v for k, v in (secrets or {}).items() if v}
    unknown = set(changes) - {f.name for f in CommuneConfig._meta.fields} | (
        set(secrets) - set(SECRETS)
    )
    if allowed is not None:
        unknown |= (set(changes) | set(secrets)) - set(allowed)
    if unknown:
        raise ValidationError(
            {name: "Dieses Feld dürfen Sie hier nicht ändern." for name in unknown}
        )
    with transaction.atomic():
        current = CommuneConfig.objects.select_for_update().filter(
            commune=commune
        ).first() or CommuneConfig(commune=commune)
        errors = commune_config_validate(current=current, changes=changes, secrets=secrets)
        if errors:
            raise ValidationError(errors)
        for name, value in changes.items():
            value = str(value or "").strip()
            if name in ("qr_iban", "iban"):
                value = re.sub(r"\s", "", value).upper()
            setattr(current, name, value)
        for name, value in secrets.items():
            setattr(current, f"{name}_enc", crypto.encrypt(value))
        current.save()
    return current


def commune_config_health_record(*, commune: Commune, block: str, ok: bool, message: str) -> None:
    """Keep the result of a connection test ("Verbindung testen") on the configuration."""
    with transaction.atomic():
        config = CommuneConfig.objects.select_for_update().get(commune=commune)
        config.health = {
            **config.health,
            block: {"ok": ok, "message": message[:300], "checked_at": timezone.now().isoformat()},
        }
        config.save(update_fields=["health", "updated_at"])


def commune_config_keys_rotate() -> int:
    """Re-encrypt every stored secret with the first key of ``COMMUNE_CONFIG_KEYS``; returns
    the number of configurations rewritten."""
    count = 0
    with transaction.atomic():
        for config in CommuneConfig.objects.select_for_update().order_by("pk"):
            for name in SECRETS:
                field = f"{name}_enc"
                setattr(config, field, crypto.rotate(getattr(config, field)))
            config.save(update_fields=[f"{n}_enc" for n in SECRETS])
            count += 1
    return count


def https_urls(field, **kwargs):
    """``formfield_callback`` of the configuration forms: URL fields assume https."""
    if isinstance(field, URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)
