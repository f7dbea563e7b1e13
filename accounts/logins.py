"""Logins and what they vouch for: accounts of provider identities, linking an e-mail account,
the login context of a request (quality level, verified claims), API tokens.

A person is one identity across the portal: the provider's ``sub``. Each schema (each commune,
and the public host) keeps its own account row for that person (``User.oidc_subject``).
Accounts are never merged because e-mail addresses match: an existing e-mail account is linked
only when its password is proven.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from tenants.prepared import PreparedSelect

from .levels import AuthLevel, level_is_verified, level_satisfies
from .models import AuthToken, IdentityLogin, ResidentProfile, User
from .oidc import ProviderIdentity

# Session keys of a login.
SESSION_LEVEL = "portal_login_level"
SESSION_LOGIN_ID = "portal_identity_login"
SESSION_ID_TOKEN = "portal_id_token"  # noqa: S105 - a session key, not a secret
SESSION_PENDING = "portal_identity_pending"


class LinkFailed(Exception):
    """Linking an e-mail account was refused; ``message`` says why (German)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class LoginContext:
    """How the current request's user logged in: the level and, for a verified provider login,
    the claims the provider vouched for."""

    level: str
    source: str  # "password", "provider", "token", "none"
    login_id: int | None = None
    subject: str = ""
    issuer: str = ""
    acr: str = ""
    claims: dict[str, str] = field(default_factory=dict)
    logged_in_at: str = ""

    @property
    def is_verified(self) -> bool:
        return level_is_verified(self.level) and bool(self.claims)

    def as_case_identity(self) -> dict[str, Any]:
        """The copy kept on a case ordered in this login (``cases.Case.identity``)."""
        return {
            "level": self.level,
            "source": self.source,
            "verified": self.is_verified,
            "subject": self.subject,
            "issuer": self.issuer,
            "acr": self.acr,
            "logged_in_at": self.logged_in_at,
            "claims": dict(self.claims) if self.is_verified else {},
        }


PASSWORD_LOGIN = LoginContext(level=AuthLevel.EMAIL, source="password")
NO_LOGIN = LoginContext(level=AuthLevel.NONE, source="none")


def _context_from_login(login: IdentityLogin | None, *, source: str) -> LoginContext | None:
    if login is None:
        return None
    return LoginContext(
        level=login.level,
        source=source,
        login_id=login.pk,
        subject=login.subject,
        issuer=login.issuer,
        acr=login.acr,
        claims=dict(login.claims or {}),
        logged_in_at=login.created_at.isoformat(),
    )


def login_context(user: Any) -> LoginContext:
    """The login context attached to ``user`` by the request (session or token); a user object
    without one (a command, a job) counts as a password login of an active account."""
    context = getattr(user, "portal_login", None)
    if isinstance(context, LoginContext):
        return context
    if getattr(user, "is_authenticated", False) and getattr(user, "is_active", False):
        return PASSWORD_LOGIN
    return NO_LOGIN


def login_context_for_session(session: Any, user: User) -> LoginContext:
    """The login context a session stands for (set at login, see ``session_login``)."""
    login_id = session.get(SESSION_LOGIN_ID)
    if login_id:
        login = IdentityLogin.objects.filter(pk=login_id, user=user).first()
        context = _context_from_login(login, source="provider")
        if context is not None:
            return context
    return PASSWORD_LOGIN


def login_context_for_token(token: AuthToken) -> LoginContext:
    context = _context_from_login(token.identity_login, source="token")
    if context is not None:
        return context
    return LoginContext(level=token.level, source="token")


# --- Accounts of provider identities ------------------------------------------------------------


def account_for_identity(*, identity: ProviderIdentity) -> User | None:
    """This schema's account of the person, if it has one."""
    return User.objects.filter(oidc_subject=identity.subject).first()


def link_candidate_exists(*, identity: ProviderIdentity) -> bool:
    """Whether this schema has an unlinked resident e-mail account with the provider's address
    (a hint to offer linking; never a reason to merge)."""
    if not identity.email:
        return False
    return User.objects.filter(
        email=identity.email, oidc_subject__isnull=True, role=User.Role.RESIDENT
    ).exists()


@transaction.atomic
def account_create_for_identity(*, identity: ProviderIdentity) -> User:
    """A new resident account for the identity (its e-mail only when no account holds it)."""
    existing = account_for_identity(identity=identity)
    if existing is not None:
        return existing
    email = identity.email or None
    if email and User.objects.filter(email=email).exists():
        email = None
    user = User(
        email=email,
        role=User.Role.RESIDENT,
        oidc_subject=identity.subject,
        first_name=identity.first_name[:150],
        last_name=identity.last_name[:150],
        is_active=True,
    )
    user.set_unusable_password()
    user.save()
    ResidentProfile.objects.get_or_create(user=user)
    return user


@transaction.atomic
def account_link(*, identity: ProviderIdentity, email: str, password: str) -> User:
    """Link this schema's e-mail account to the identity after its password is proven.

    Refused (LinkFailed, nothing changed) for a wrong password, an account linked to another
    identity, a staff account or a deactivated one, and when the identity already has an
    account here.
    """
    if account_for_identity(identity=identity) is not None:
        raise LinkFailed(str(_("Mit dieser Anmeldung ist bereits ein Konto verknüpft.")))
    user = User.objects.select_for_update().filter(email=email.strip().lower()).first()
    if user is None or not user.has_usable_password() or not user.check_password(password):
        raise LinkFailed(str(_("E-Mail-Adresse oder Passwort ist falsch.")))
    if not user.is_active or user.role != User.Role.RESIDENT:
        raise LinkFailed(
            str(
                _(
                    "Dieses Konto kann nicht verknüpft werden. Bitte wenden Sie sich an die Gemeinde."
                )
            )
        )
    if user.oidc_subject:
        raise LinkFailed(str(_("Dieses Konto ist bereits mit einer anderen Anmeldung verknüpft.")))
    user.oidc_subject = identity.subject
    user.save(update_fields=["oidc_subject"])
    # Apps above accounts (e.g. the cross-commune case index) catch up on the linked account.
    for path in getattr(settings, "ACCOUNT_LINKED_HOOKS", ()):
        import_string(path)(user=user)
    return user


@transaction.atomic
def identity_login_record(*, user: User, identity: ProviderIdentity) -> IdentityLogin:
    """Record one provider login of ``user`` and take over what the provider vouched for: the
    names always; for verified logins also date of birth and AHV number into the profile,
    marked with their source (read-only there from now on)."""
    login = IdentityLogin.objects.create(
        user=user,
        subject=identity.subject,
        issuer=identity.issuer,
        level=identity.level,
        acr=identity.acr,
        claims=identity.verified_claims(),
    )
    changed = []
    if identity.is_verified:
        for attr, value in (("first_name", identity.first_name), ("last_name", identity.last_name)):
            if value and getattr(user, attr) != value[:150]:
                setattr(user, attr, value[:150])
                changed.append(attr)
    if identity.email and not user.email and not User.objects.filter(email=identity.email).exists():
        user.email = identity.email
        changed += ["email", "username"]
    if changed:
        user.save(update_fields=changed)
    if identity.is_verified:
        profile, _created = ResidentProfile.objects.get_or_create(user=user)
        profile.date_of_birth = dt.date.fromisoformat(identity.date_of_birth)
        profile.ahv_number = identity.ahv_number
        profile.verified_level = identity.level
        profile.verified_at = login.created_at
        profile.save()
    return login


def session_login(request: HttpRequest, *, user: User, login: IdentityLogin, id_token: str) -> None:
    """Log ``user`` in on this host's session after a provider login, remembering the login
    (level, verified claims) and the ID token for the logout at the provider."""
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_LOGIN_ID] = login.pk
    request.session[SESSION_LEVEL] = login.level
    request.session[SESSION_ID_TOKEN] = id_token
    user.portal_login = _context_from_login(login, source="provider")


_IDENTITY_FIELDS = (
    "subject",
    "issuer",
    "level",
    "acr",
    "first_name",
    "last_name",
    "date_of_birth",
    "ahv_number",
    "email",
    "email_verified",
    "id_token",
)


def identity_to_session(identity: ProviderIdentity) -> dict[str, Any]:
    """A pending provider identity as plain data for the (server-side) session."""
    return {name: getattr(identity, name) for name in _IDENTITY_FIELDS}


def identity_from_session(data: dict[str, Any]) -> ProviderIdentity:
    return ProviderIdentity(**{name: data[name] for name in _IDENTITY_FIELDS if name in data})


# --- API tokens -------------------------------------------------------------------------------


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_lifetime(user: User) -> dt.timedelta:
    hours = (
        settings.API_TOKEN_HOURS_RESIDENT
        if user.role == User.Role.RESIDENT
        else settings.API_TOKEN_HOURS_STAFF
    )
    return dt.timedelta(hours=hours)


def token_issue(
    *,
    user: User,
    context: LoginContext,
    label: str = "",
    second_factor: bool = False,
) -> tuple[str, AuthToken]:
    """A new API token for ``user`` at the level of the login that asked for it. Returns the
    key (shown once; only its hash is stored) and the row."""
    key = secrets.token_urlsafe(30)
    login = IdentityLogin.objects.filter(pk=context.login_id).first() if context.login_id else None
    token = AuthToken.objects.create(
        key_hash=_hash(key),
        prefix=key[:8],
        user=user,
        level=context.level,
        identity_login=login,
        second_factor=second_factor,
        label=label[:100],
        expires_at=timezone.now() + token_lifetime(user),
    )
    return key, token


def _valid_token(key_hash: str, now: dt.datetime) -> QuerySet[AuthToken]:
    # The key hash is unique: no ordering to compile and sort (``first()`` would add one).
    return (
        AuthToken.objects.select_related("user", "identity_login")
        .filter(key_hash=key_hash, revoked_at__isnull=True, expires_at__gt=now)
        .order_by()[:1]
    )


# Compiled once (per thread and schema), run on every API request: one indexed query that
# checks expiry and revocation each time, so a revoked token stops working at once.
_VALID_TOKEN = PreparedSelect(_valid_token, "0" * 64, dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
# A token's last_used_at is written at most this often (not on every request).
_USE_STAMP_EVERY = dt.timedelta(minutes=5)


def token_authenticate(key: str) -> AuthToken | None:
    """The valid (not expired, not revoked, active user) token with this key, or None."""
    now = timezone.now()
    token = _VALID_TOKEN.first(_hash(key), now)
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > _USE_STAMP_EVERY:
        AuthToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def _token_by_hash(key_hash: str) -> QuerySet[AuthToken]:
    # Everything a request with the token relies on, but not its time of use (written when
    # due, see token_authenticate_kept): the rows stay the same from one request to the next.
    return (
        AuthToken.objects.select_related("user", "identity_login")
        .defer("last_used_at")
        .filter(key_hash=key_hash)
        .order_by()[:1]
    )


_TOKEN_KEPT = PreparedSelect(_token_by_hash, "0" * 64)
# When this process last stamped a token's last_used_at, by key hash (random: unique).
_USE_STAMPED: dict[str, dt.datetime] = {}


def token_authenticate_kept(key: str) -> AuthToken | None:
    """``token_authenticate`` for a request whose writing transaction checks the token itself:
    the token as this process last read it in this commune (``PreparedSelect.kept``), if it
    is valid as read (not revoked, not expired now, active user); ``token.kept`` is then the
    ``Kept`` to run and check in that transaction (``KeptChanged`` when the token, its user or
    its login changed since: revoked, blocked, …). Without kept rows, or when they are not
    valid, the token is read afresh as by ``token_authenticate`` (and has no ``kept``)."""
    now = timezone.now()
    kept = _TOKEN_KEPT.kept(_hash(key))
    token = kept.objects[0] if kept.objects else None
    if token is None or not _valid_as_read(token, now):
        kept.forget()
        return token_authenticate(key)
    token.kept = kept
    stamped = _USE_STAMPED.get(token.key_hash)
    if stamped is None or now - stamped > _USE_STAMP_EVERY:
        AuthToken.objects.filter(pk=token.pk).update(last_used_at=now)
        if len(_USE_STAMPED) >= 4096:
            _USE_STAMPED.clear()
        _USE_STAMPED[token.key_hash] = now
    return token


def _valid_as_read(token: AuthToken, now: dt.datetime) -> bool:
    return token.revoked_at is None and token.expires_at > now and token.user.is_active


def tokens_revoke(*, user: User, token_id: int | None = None, label: str | None = None) -> int:
    """Revoke the user's tokens (all, one by id, or those with a label); returns how many."""
    tokens = AuthToken.objects.filter(user=user, revoked_at__isnull=True)
    if token_id is not None:
        tokens = tokens.filter(pk=token_id)
    if label is not None:
        tokens = tokens.filter(label=label)
    return tokens.update(revoked_at=timezone.now())


def tokens_revoke_at_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """``user_logged_out`` receiver: logging out of the web session (commune or public host,
    admin included) revokes every API token of the account. A new password revokes them too
    (``User.save``)."""
    if user is not None and getattr(user, "pk", None):
        tokens_revoke(user=user)


def tokens_active(*, user: User) -> list[AuthToken]:
    """The user's tokens that still work, newest first."""
    return list(
        AuthToken.objects.filter(
            Q(user=user), revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
    )


# --- Quality level of a service ---------------------------------------------------------------

LEVEL_TOO_LOW = _(
    "Für diese Dienstleistung brauchen Sie eine Anmeldung mit «%(need)s». Sie sind mit "
    "«%(have)s» angemeldet. Melden Sie sich mit AGOV oder der E-ID an, um Ihre Identität zu "
    "bestätigen; danach können Sie bestellen."
)


def level_requirement(*, user: Any, need: str, next_url: str) -> dict[str, Any] | None:
    """What a page says about a service's quality level for this user: None when the service
    asks for nothing; else the labels, whether the login suffices and the step-up link."""
    if not need or need == AuthLevel.NONE:
        return None
    have = login_context(user).level if getattr(user, "is_authenticated", False) else ""
    ok = level_satisfies(have, need)
    return {
        "need": need,
        "need_label": AuthLevel(need).label,
        "have_label": AuthLevel(have).label if have in AuthLevel.values else "",
        "ok": ok,
        "message": "" if ok else level_refusal_message(have=have, need=need),
        "step_up_url": f"{reverse('identity-login')}?{urlencode({'stufe': need, 'next': next_url})}",
    }


def level_refusal_message(*, have: str, need: str) -> str:
    """Why an order is refused at login quality ``have`` (German or English)."""
    have_label = AuthLevel(have).label if have in AuthLevel.values else _("nicht angemeldet")
    return str(LEVEL_TOO_LOW) % {"need": AuthLevel(need).label, "have": have_label}
