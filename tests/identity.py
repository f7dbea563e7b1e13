"""Test helper: a verified provider login for a user, through the real code path that a login
at the identity provider takes after its answer was checked (``accounts.logins``)."""

from __future__ import annotations

import uuid

from accounts import logins
from accounts.levels import AuthLevel
from accounts.oidc import ProviderIdentity
from accounts.validators import ahv_normalize

ACR = {
    AuthLevel.EMAIL: "urn:reference-idp:qoa:email",
    AuthLevel.VERIFIED: "urn:reference-idp:qoa:verified",
    AuthLevel.EID: "urn:reference-idp:qoa:eid",
}


def provider_identity(
    person: dict, *, level: str = AuthLevel.EID, subject: str = ""
) -> ProviderIdentity:
    """A checked provider identity for a reference register person (``vn``, ``official_name``,
    ``first_name``, ``date_of_birth``)."""
    verified = level in (AuthLevel.VERIFIED, AuthLevel.EID)
    return ProviderIdentity(
        subject=subject or f"test-{uuid.uuid4().hex}",
        issuer="http://127.0.0.1:8103",
        level=level,
        acr=ACR[level],
        first_name=person["first_name"],
        last_name=person["official_name"],
        date_of_birth=person["date_of_birth"] if verified else "",
        ahv_number=ahv_normalize(person["vn"]) if verified else "",
    )


def verified_login(user, person: dict, *, level: str = AuthLevel.EID) -> logins.LoginContext:
    """Log ``user`` in (in the current schema) as ``person`` at ``level``; the returned context
    is also attached to ``user``, so services called with it see that login."""
    identity = provider_identity(person, level=level, subject=user.oidc_subject or "")
    if not user.oidc_subject:
        user.oidc_subject = identity.subject
        user.save(update_fields=["oidc_subject"])
    login = logins.identity_login_record(user=user, identity=identity)
    user.portal_login = logins.login_context_for_session({logins.SESSION_LOGIN_ID: login.pk}, user)
    return user.portal_login


def api_token(user) -> str:
    """An API token for ``user`` (in the current schema) at the level of the login attached to
    it (``verified_login``), else of a password login; staff tokens as after the second factor."""
    from accounts.second_factor import is_staff_account

    key, _token = logins.token_issue(
        user=user, context=logins.login_context(user), second_factor=is_staff_account(user)
    )
    return key


def login_without_second_factor(client, user) -> None:
    """Log a staff user in with the password only (the second factor not passed yet)."""
    user._without_otp = True
    try:
        client.force_login(user)
    finally:
        del user._without_otp


def staff_api_token(user) -> str:
    """An API token of a staff user issued after the second factor."""
    key, _token = logins.token_issue(
        user=user, context=logins.login_context(user), second_factor=True
    )
    return key


def totp_code(user) -> str:
    """The current code of ``user``'s authenticator app (a confirmed TOTP device is made when
    there is none; call in the user's schema)."""
    from django_otp.oath import totp

    from accounts.second_factor import TOTP_NAME, TOTPDevice, totp_device_ensure

    totp_device_ensure(user=user)
    device = TOTPDevice.objects.get(user=user, name=TOTP_NAME)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def profile_type_in(user, person: dict) -> None:
    """Type ``person`` (a reference register entry) into ``user``'s profile, as a resident
    would on the profile page (no provider involved)."""
    import datetime as dt

    from accounts.services import profile_update

    address = person["address"]
    profile_update(
        user=user,
        first_name=person["first_name"],
        last_name=person["official_name"],
        date_of_birth=dt.date.fromisoformat(person["date_of_birth"]),
        ahv_number=person["vn"],
        sex=person.get("sex", ""),
        street=address["street"],
        house_number=address["house_number"],
        postcode=address["postcode"],
        town=address["town"],
    )
