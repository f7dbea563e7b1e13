"""Small builders that keep the seed data readable."""

from __future__ import annotations

from typing import Any


def t(de: str, en: str = "") -> dict[str, str]:
    return {"de": de, "en": en} if en else {"de": de}


def field(
    key: str, ftype: str, de: str, en: str = "", *, required: bool = True, **extra: Any
) -> dict:
    spec: dict[str, Any] = {"key": key, "type": ftype, "required": required, "label": t(de, en)}
    help_de, help_en = extra.pop("help_de", ""), extra.pop("help_en", "")
    if help_de:
        spec["help"] = t(help_de, help_en)
    spec.update(extra)
    return spec


def choice(value: str, de: str, en: str = "") -> dict:
    return {"value": value, "label": t(de, en)}


def step(key: str, name_de: str, name_en: str, kind: str, group: str, adapter: str = "") -> dict:
    return {
        "key": key,
        "name_de": name_de,
        "name_en": name_en,
        "kind": kind,
        "adapter_key": adapter,
        "responsible_group": group,
    }


def manual(key: str, name_de: str, name_en: str, group: str) -> dict:
    return step(key, name_de, name_en, "manual", group)


def auto(
    key: str, name_de: str, name_en: str, adapter: str, group: str = "Einwohnerdienste"
) -> dict:
    return step(key, name_de, name_en, "automated", group, adapter)


def resident(key: str, name_de: str, name_en: str, group: str = "Einwohnerdienste") -> dict:
    return step(key, name_de, name_en, "resident", group)


CONTACT = [
    field(
        "email", "email", "E-Mail-Adresse für Rückfragen", "E-mail for questions", prefill="email"
    ),
    field(
        "phone",
        "phone",
        "Telefon",
        "Phone",
        required=False,
        help_de="Für kurze Rückfragen, z. B. 079 123 45 67.",
        help_en="For short questions, e.g. 079 123 45 67.",
    ),
]

DELIVERY = field(
    "delivery",
    "choice",
    "Zustellung",
    "Delivery",
    choices=[
        choice(
            "pdf", "als PDF im Portal (mit elektronischem Siegel)", "as PDF in the portal (sealed)"
        ),
        choice("post", "per Post (A-Post)", "by mail"),
    ],
)

INVOICE = auto(
    "invoice",
    "Rechnung mit QR-Einzahlungsschein erstellen",
    "Issue QR invoice",
    "billing.qr_invoice",
)
IDENTIFY = auto(
    "identify",
    "Person im Einwohnerregister identifizieren",
    "Identify resident",
    "resident_register.identify",
)
