"""Personal data encrypted at rest (AHV numbers and the payloads that carry them), and a keyed
hash to find a value without decrypting.

Keys come from the environment (settings ``DATA_ENCRYPTION_KEYS``: Fernet keys, the first one
encrypts, every one decrypts — so a new key is put first, ``manage.py rotate_data_keys``
re-encrypts every value, then the old key is removed; ``DATA_SEARCH_KEY``: the HMAC key of
the keyed hash). A general helper: the commune configuration's secrets can use it too.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "DATA_ENCRYPTION_KEYS ist leer: kein Schlüssel für Personendaten."
        )
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def _keys() -> MultiFernet:
    return _fernet(tuple(getattr(settings, "DATA_ENCRYPTION_KEYS", ()) or ()))


def encrypt(text: str) -> str:
    """``text`` encrypted with the current key (``fernet:<token>``)."""
    return PREFIX + _keys().encrypt(text.encode()).decode()


def decrypt(value: str) -> str:
    """The clear text of ``encrypt``'s result; a value without the prefix is returned as it is
    (rows written before encryption, until the data migration has run)."""
    if not value.startswith(PREFIX):
        return value
    try:
        return _keys().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "Ein verschlüsselter Wert passt zu keinem Schlüssel in DATA_ENCRYPTION_KEYS."
        ) from exc


def rotate(value: str) -> str:
    """``value`` re-encrypted with the current key (clear values get encrypted)."""
    if not value.startswith(PREFIX):
        return encrypt(value)
    return PREFIX + _keys().rotate(value[len(PREFIX) :].encode()).decode()


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of ``value`` under ``DATA_SEARCH_KEY`` (hex): equal values, equal hashes;
    without the key nobody can test guesses (an AHV number has only ~10^9 candidates)."""
    key = str(getattr(settings, "DATA_SEARCH_KEY", "") or "")
    if not key:
        raise ImproperlyConfigured("DATA_SEARCH_KEY fehlt.")
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column holding ``fernet:<token>``; Python sees the clear text. Not searchable:
    store a ``keyed_hash`` beside it where a lookup is needed."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "" or value.startswith(PREFIX):
            return value
        return encrypt(value)


class EncryptedJSONField(models.JSONField):
    """A JSON value stored as one encrypted JSON string (``"fernet:<token>"`` in jsonb):
    Python sees the value; the database, its dumps and its replicas see no content. No JSON
    lookups on it."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        value = super().from_db_value(value, expression, connection)
        if isinstance(value, str) and value.startswith(PREFIX):
            return json.loads(decrypt(value))
        return value

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(PREFIX):
            return value
        return encrypt(json.dumps(value, cls=self.encoder))
