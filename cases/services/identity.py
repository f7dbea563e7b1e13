"""The applicant's identity as automated steps see it (``StepCall.applicant``).

Who a person is (names, date of birth, AHV number) comes only from the verified claims of the
login that ordered the case (``Case.identity``, copied from ``accounts.logins.LoginContext``),
never from values typed into a profile or a form. What is not identity — address, official sex
for an eCH message, e-mail — still comes from the resident's profile
(``settings.CASES_APPLICANT_PROFILE``, by default ``accounts.selectors.profile_for``) and then
from the case's form data. A case without verified claims never reaches a register
(``case_identity_verified``; the step becomes a clerk's check).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.selectors import IDENTITY_KEYS

# Keys only a verified login may fill (the register identifies with them).
VERIFIED_KEYS = ("first_name", "last_name", "date_of_birth", "ahv_number")
# A form's "sex" may be another's (the dog's in hund-anmelden): only the profile gives it.
FROM_FORM_KEYS = tuple(k for k in IDENTITY_KEYS if k not in VERIFIED_KEYS and k != "sex")
DEFAULT_PROFILE_SOURCE = "accounts.selectors.profile_for"


def _profile_source():
    path = getattr(settings, "CASES_APPLICANT_PROFILE", DEFAULT_PROFILE_SOURCE)
    try:
        return import_string(path)
    except ImportError:
        return None


def profile_identity(*, user) -> dict[str, str]:
    """What the resident's profile says (every key of ``IDENTITY_KEYS``, "" when unknown): for
    prefilling order forms, never for identifying anyone."""
    identity = dict.fromkeys(IDENTITY_KEYS, "")
    identity.update(
        first_name=user.first_name or "", last_name=user.last_name or "", email=user.email or ""
    )
    source = _profile_source()
    if source is not None:
        profile = source(user) or {}
        identity.update({k: str(profile[k]) for k in IDENTITY_KEYS if profile.get(k)})
    return identity


def case_identity_verified(case) -> bool:
    """Whether the case was ordered in a verified login that handed over every identity claim."""
    identity = case.identity or {}
    claims = identity.get("claims") or {}
    return bool(identity.get("verified")) and all(claims.get(k) for k in VERIFIED_KEYS)


def applicant_identity(*, case, data: dict[str, Any] | None = None) -> dict[str, str]:
    """The applicant of ``case`` for its automated steps: verified claims for the identity keys
    (empty when the login did not verify them; the account's names only as a display fallback),
    profile and then form data for the rest."""
    user = case.applicant
    profile = profile_identity(user=user)
    identity = {k: ("" if k in VERIFIED_KEYS else v) for k, v in profile.items()}
    if case_identity_verified(case):
        identity.update({k: str(case.identity["claims"][k]) for k in VERIFIED_KEYS})
        identity["identity_source"] = str(case.identity.get("level", ""))
    else:
        identity.update(first_name=user.first_name or "", last_name=user.last_name or "")
        identity["identity_source"] = ""
    data = data if data is not None else (case.data or {})
    for key in FROM_FORM_KEYS:
        value = data.get(key)
        if value and not identity[key] and isinstance(value, str):
            identity[key] = value
    return identity


def _register_person(case) -> dict[str, Any] | None:
    """The register's answer of the case's identification step, once it has run."""
    for step in case.steps.all():
        output = step.output if isinstance(step.output, dict) else {}
        if isinstance(output.get("person"), dict):
            return output["person"]
    return None


def applicant_facts(*, case) -> dict[str, Any]:
    """What a clerk needs to know about the applicant, without identity numbers: names and date
    of birth (verified, or as typed), the address (the register's, once identified; otherwise
    the profile's or the form's, marked as unconfirmed), e-mail and phone."""
    identity = applicant_identity(case=case)
    verified = case_identity_verified(case)
    person = _register_person(case)
    if person is not None and person.get("address"):  # a read may not have asked for it
        address = person["address"]
        street = f"{address.get('street', '')} {address.get('house_number', '')}".strip()
        place = f"{address.get('postcode', '')} {address.get('town', '')}".strip()
        address_source = "register"
    else:
        street = f"{identity.get('street', '')} {identity.get('house_number', '')}".strip()
        place = f"{identity.get('postcode', '')} {identity.get('town', '')}".strip()
        address_source = "profile" if (street or place) else ""
    profile = profile_identity(user=case.applicant)
    phone = (case.data or {}).get("phone") or _profile_phone(case.applicant)
    return {
        "name": f"{identity.get('first_name', '')} {identity.get('last_name', '')}".strip(),
        "date_of_birth": identity.get("date_of_birth", ""),
        "verified": verified,
        "level": str((case.identity or {}).get("level", "")),
        "street": street,
        "place": place,
        "address_source": address_source,
        "email": profile.get("email") or case.applicant.email,
        "phone": phone if isinstance(phone, str) else "",
    }


def _profile_phone(user) -> str:
    source = _profile_source()
    profile = (source(user) or {}) if source is not None else {}
    return str(profile.get("phone") or "")
