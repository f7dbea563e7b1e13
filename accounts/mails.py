"""Account e-mails, sent by a job (``accounts.actors.send_account_mail``).

The request only enqueues (after commit, in its commune): what the mail says and whether one is
sent at all never changes how long the request takes. The job builds the mail in the commune's
schema and the request's language (the lockout notice always in German) and sends it; links
and tokens are made in the job, so no secret passes through the broker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext

from tenants.context import current_commune
from tenants.jobs import enqueue_on_commit
from tenants.selectors import commune_mail_sender

from .models import User
from .tokens import email_verification_token, unlock_token

VERIFY = "verify"
ALREADY_REGISTERED = "already_registered"
REGISTRATION_PENDING = "registration_pending"
LOCKED_OUT = "locked_out"
# The job that sends them (accounts.actors), by name: this module sits below the actors.
SEND_ACCOUNT_MAIL = "send_account_mail"
PASSWORD_RESET = "password_reset"  # noqa: S105 - a mail kind, not a secret


def registration_pending(user: User) -> bool:
    """A resident registration still awaiting its e-mail verification."""
    return not user.is_active and user.role == User.Role.RESIDENT and user.last_login is None


def account_mail_enqueue(
    kind: str, *, user: User, base_url: str, language: str = "", **details: str
) -> None:
    """Send mail ``kind`` to ``user`` by a job once the current transaction commits.

    ``base_url`` is the commune's own host (links point there); ``language`` defaults to the
    current one; ``details`` are plain strings the mail shows (e.g. the time of a lockout).
    """
    enqueue_on_commit(
        SEND_ACCOUNT_MAIL,
        kind,
        user.pk,
        base_url,
        language or translation.get_language() or "de-ch",
        details,
    )


def _link(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def _verify(user: User, base_url: str, details: dict[str, str]) -> tuple[str, str] | None:
    if not registration_pending(user):
        return None
    token = email_verification_token(user=user)
    link = _link(base_url, reverse("register-verify", kwargs={"token": token}))
    body = render_to_string("accounts/email/verify_email.txt", {"link": link})
    return gettext("Bitte bestätigen Sie Ihre E-Mail-Adresse"), body


def _already_registered(
    user: User, base_url: str, details: dict[str, str]
) -> tuple[str, str] | None:
    link = _link(base_url, reverse("password_reset"))
    body = render_to_string("accounts/email/already_registered.txt", {"link": link})
    return gettext("Ihr Konto im Einwohnerportal"), body


def _registration_pending(
    user: User, base_url: str, details: dict[str, str]
) -> tuple[str, str] | None:
    # A link to choose the password: following it proves the mailbox and activates the account
    # (views.PasswordResetConfirmView). The earlier registration's password is never replaced
    # by a second registration, and its link stops working once a password is chosen here.
    if not registration_pending(user):
        return None
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    body = render_to_string(
        "accounts/email/registration_pending.txt", {"link": _link(base_url, path)}
    )
    return gettext("Ihr Konto im Einwohnerportal"), body


def _password_reset(user: User, base_url: str, details: dict[str, str]) -> tuple[str, str] | None:
    # The token is made here, in the job: it never passes through the broker.
    if not user.is_active or not user.has_usable_password():
        return None
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    body = render_to_string("accounts/email/password_reset.txt", {"link": _link(base_url, path)})
    return gettext("Passwort zurücksetzen"), body


def _locked_out(user: User, base_url: str, details: dict[str, str]) -> tuple[str, str] | None:
    path = reverse("login-unlock", kwargs={"token": unlock_token(user=user)})
    body = render_to_string(
        "accounts/email/locked_out.txt",
        {
            "link": _link(base_url, path),
            "when": details.get("when", ""),
        },
    )
    return gettext("Anmeldung bei Ihrem Konto gesperrt"), body


BUILDERS: dict[str, Callable[[User, str, dict[str, str]], tuple[str, str] | None]] = {
    VERIFY: _verify,
    ALREADY_REGISTERED: _already_registered,
    REGISTRATION_PENDING: _registration_pending,
    LOCKED_OUT: _locked_out,
    PASSWORD_RESET: _password_reset,
}


def account_mail_send(
    *, kind: str, user_id: int, base_url: str, language: str, details: dict[str, Any]
) -> bool:
    """Build and send one account mail in the current schema; False when there is nothing to
    send (the account is gone, has no address, or the mail no longer applies)."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email:
        return False
    with translation.override(language):
        built = BUILDERS[kind](user, base_url, dict(details or {}))
    if built is None:
        return False
    subject, body = built
    # The commune's own sender and reply-to (its configuration); the portal's default otherwise.
    sender, reply_to = commune_mail_sender(current_commune())
    EmailMessage(subject, body, sender, [user.email], reply_to=reply_to or None).send()
    return True
