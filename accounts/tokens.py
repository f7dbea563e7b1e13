"""Signed, timestamped tokens that the account e-mails carry: e-mail verification and login
unlock. Each is bound to the current commune (a token of Kriens is worthless in Emmen) and made
where the mail is built (in the job), so no token passes through the broker."""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.utils.crypto import salted_hmac

from tenants.context import current_commune

from .models import User

VERIFY_SALT = "accounts.resident-verify-email"
VERIFY_MAX_AGE = dt.timedelta(days=3)
UNLOCK_SALT = "accounts.login-unlock"
UNLOCK_MAX_AGE = dt.timedelta(hours=24)


def commune_key() -> str:
    """The current commune's BFS number, or "public" on the cantonal host."""
    commune = current_commune()
    return str(commune.bfs_number) if commune else "public"


def password_fingerprint(user: User) -> str:
    # A new registration (new password) voids earlier links; the salted hash differs per schema.
    return salted_hmac(VERIFY_SALT, user.password).hexdigest()[:16]


def email_verification_token(*, user: User) -> str:
    """A signed, timestamped token that activates ``user`` in the current commune only."""
    payload = {"u": user.pk, "e": user.email, "p": password_fingerprint(user)}
    return signing.dumps(payload, salt=f"{VERIFY_SALT}:{commune_key()}", compress=True)


def email_verification_payload(token: str) -> dict:
    """The payload of a verification token of this commune; raises ``signing``'s errors."""
    return signing.loads(token, salt=f"{VERIFY_SALT}:{commune_key()}", max_age=VERIFY_MAX_AGE)


def unlock_token(*, user: User) -> str:
    """A signed, timestamped token that clears ``user``'s login failures in this commune only."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=f"{UNLOCK_SALT}:{commune_key()}")


def unlock_payload(token: str) -> dict:
    """The payload of an unlock token of this commune; raises ``signing``'s errors."""
    return signing.loads(token, salt=f"{UNLOCK_SALT}:{commune_key()}", max_age=UNLOCK_MAX_AGE)
