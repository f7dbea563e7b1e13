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
    it (``verified_login``), else of a password login."""
    key, _token = logins.token_issue(user=user, context=logins.login_context(user))
    return key
