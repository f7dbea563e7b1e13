"""Secrets of the per-commune configuration, encrypted at rest with Fernet (AES-128-CBC +
HMAC-SHA256) through a ``MultiFernet``: ``settings.COMMUNE_CONFIG_KEYS`` lists the keys, the first
encrypts, all decrypt. Rotation: put a new key first, keep the old ones behind it, run
``manage.py rotate_commune_config_keys`` (re-encrypts every stored secret with the first key),
then drop the old keys.

Separate from ``tenants.crypto`` (personal data, ``DATA_ENCRYPTION_KEYS``) on purpose: the
operators who hold connection secrets need not be able to read AHV numbers, and the two key
sets rotate independently."""

from __future__ import annotations

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("COMMUNE_CONFIG_KEYS ist leer: kein Schlüssel für Geheimnisse.")
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.COMMUNE_CONFIG_KEYS))


def encrypt(plain: str) -> str:
    """The Fernet token of ``plain`` ("" stays "": nothing stored)."""
    return fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str) -> str:
    """The plain secret; ``ImproperlyConfigured`` when no configured key opens it."""
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "Ein Geheimnis der Gemeindekonfiguration lässt sich mit keinem Schlüssel aus "
            "COMMUNE_CONFIG_KEYS öffnen (Schlüssel entfernt, bevor neu verschlüsselt wurde?)."
        ) from None


def rotate(token: str) -> str:
    """``token`` re-encrypted with the first key."""
    return fernet().rotate(token.encode()).decode() if token else ""
