"""The applicant's identity as automated steps see it (``StepCall.applicant``).

Source, in this order: the resident's profile (``settings.CASES_APPLICANT_PROFILE``, by default
``accounts.selectors.profile_for``: first_name, last_name, date_of_birth ISO, ahv_number, sex
(eCH-0044 code "1"/"2"), street, house_number, postcode, town, email), then the case's form data
for what the profile leaves empty (e.g. the AHV number a move form asks for; not ``sex``, which
in some forms is a pet's), then the account's names.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.selectors import IDENTITY_KEYS

# A form's "sex" may be another's (the dog's in hund-anmelden): only the profile gives it.
FROM_FORM_KEYS = tuple(k for k in IDENTITY_KEYS if k != "sex")
DEFAULT_PROFILE_SOURCE = "accounts.selectors.profile_for"


def _profile_source():
    path = getattr(settings, "CASES_APPLICANT_PROFILE", DEFAULT_PROFILE_SOURCE)
    try:
        return import_string(path)
    except ImportError:
        return None


def applicant_identity(*, user, data: dict[str, Any] | None = None) -> dict[str, str]:
    """Plain identity data of ``user`` (every key of ``IDENTITY_KEYS``, "" when unknown)."""
    identity = dict.fromkeys(IDENTITY_KEYS, "")
    identity.update(
        first_name=user.first_name or "", last_name=user.last_name or "", email=user.email or ""
    )
    source = _profile_source()
    if source is not None:
        profile = source(user) or {}
        identity.update({k: str(profile[k]) for k in IDENTITY_KEYS if profile.get(k)})
    data = data or {}
    for key in FROM_FORM_KEYS:
        value = data.get(key)
        if value and not identity[key] and isinstance(value, str):
            identity[key] = value
    return identity
