"""Failed logins: who is blocked, for how long, and how the owner gets back in.

* **Per address** (django-axes, ``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]``):
  after ``AXES_FAILURE_LIMIT`` failures one address is locked out of one account for
  ``AXES_COOLOFF_HOURS``. The owner on another address is not.
* **Per account** (here): after ``LOGIN_SLOWDOWN_AFTER`` failures for an account across all
  addresses (axes' records within its cool-off), every further attempt for it waits: the
  request is answered 429 with ``Retry-After`` until 1, 2, 4 … seconds (at most
  ``LOGIN_SLOWDOWN_MAX_SECONDS``) have passed since the last failure. An attacker spread over
  many addresses gets a few guesses a minute; the owner is never locked out for long, and not
  at all from a browser that logged into the account before (a signed device cookie) or that
  followed the unlock link.
* **Notice**: when an address is locked out of an existing account the owner gets one German
  e-mail (at most one per cool-off) naming the address, with a link (signed, 24 hours) that
  clears the account's failures and trusts that browser.

Counted by e-mail address whether or not an account exists: the answers never tell.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import ngettext

from tenants.context import current_commune

from .mails import LOCKED_OUT, account_mail_enqueue
from .models import User
from .tokens import commune_key, unlock_payload

DEVICE_COOKIE = "portal_login_device"
DEVICE_SALT = "accounts.login-device"
DEVICE_MAX_ACCOUNTS = 5


def _cool_off() -> dt.timedelta:
    from axes.helpers import get_cool_off

    return get_cool_off() or dt.timedelta(hours=24)


def _username(username: str) -> str:
    return (username or "").strip().lower()


# --- Per account slow-down ----------------------------------------------------------------------


def account_failures(*, username: str) -> tuple[int, dt.datetime | None]:
    """Failed logins for ``username`` from all addresses within axes' cool-off, and the last."""
    from axes.models import AccessAttempt

    found = AccessAttempt.objects.filter(
        username=_username(username), attempt_time__gte=timezone.now() - _cool_off()
    ).aggregate(total=Sum("failures_since_start"), last=Max("attempt_time"))
    return found["total"] or 0, found["last"]


def slowdown_delay(failures: int) -> int:
    """Seconds an account waits after its last failure, given its failures (0: no wait)."""
    after = settings.LOGIN_SLOWDOWN_AFTER
    if failures < after:
        return 0
    return min(2 ** min(failures - after, 30), settings.LOGIN_SLOWDOWN_MAX_SECONDS)


def slowdown_wait(*, request: HttpRequest | None, username: str) -> int:
    """Whole seconds before the next attempt for ``username`` is taken (0: now). A browser the
    account trusts (device cookie) never waits."""
    if not username or device_trusted(request, username=username):
        return 0
    failures, last = account_failures(username=username)
    delay = slowdown_delay(failures)
    if not delay or last is None:
        return 0
    remaining = (last + dt.timedelta(seconds=delay) - timezone.now()).total_seconds()
    return math.ceil(remaining) if remaining > 0 else 0


def slowdown_message(seconds: int) -> str:
    """Why an attempt is refused during the slow-down (German or English)."""
    return ngettext(
        "Für diese E-Mail-Adresse gab es zu viele fehlgeschlagene Anmeldungen. Bitte versuchen "
        "Sie es in %(seconds)d Sekunde erneut.",
        "Für diese E-Mail-Adresse gab es zu viele fehlgeschlagene Anmeldungen. Bitte versuchen "
        "Sie es in %(seconds)d Sekunden erneut.",
        seconds,
    ) % {"seconds": seconds}


# --- Device cookie: browsers that logged into an account ----------------------------------------


def _device_mark(username: str) -> str:
    return salted_hmac(DEVICE_SALT, f"{commune_key()}:{_username(username)}").hexdigest()[:24]


def _device_marks(request: HttpRequest | None) -> list[str]:
    raw = getattr(request, "COOKIES", {}).get(DEVICE_COOKIE, "")
    if not raw:
        return []
    try:
        marks = signing.loads(
            raw, salt=DEVICE_SALT, max_age=dt.timedelta(days=settings.LOGIN_DEVICE_COOKIE_DAYS)
        )
    except signing.BadSignature:
        return []
    return [m for m in marks if isinstance(m, str)] if isinstance(marks, list) else []


def device_trusted(request: HttpRequest | None, *, username: str) -> bool:
    return _device_mark(username) in _device_marks(request)


def device_remember(request: HttpRequest, response: HttpResponse, *, username: str) -> None:
    """Let this browser skip the account's slow-down from now on (after a login or the unlock
    link): a signed, host-only, HttpOnly cookie naming up to 5 accounts (as keyed hashes)."""
    mark = _device_mark(username)
    marks = [m for m in _device_marks(request) if m != mark][-(DEVICE_MAX_ACCOUNTS - 1) :]
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps([*marks, mark], salt=DEVICE_SALT),
        max_age=settings.LOGIN_DEVICE_COOKIE_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- Notice to the owner, unlock link -----------------------------------------------------------


def _notice_key(user: User) -> str:
    return f"accounts:lockout-notice:{user.pk}"


def lockout_notice(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """``axes.signals.user_locked_out`` receiver: tell the owner of an existing, active account
    of this commune (German, by a job), at most once per cool-off."""
    if request is None or not username or current_commune() is None:
        return  # cantonal staff (public host) have no unlock page
    user = User.objects.filter(email=_username(username), is_active=True).first()
    if user is None:
        return
    if not cache.add(_notice_key(user), 1, timeout=int(_cool_off().total_seconds())):
        return
    account_mail_enqueue(
        LOCKED_OUT,
        user=user,
        base_url=request.build_absolute_uri("/"),
        language="de-ch",
        when=timezone.localtime().strftime("%d.%m.%Y %H:%M"),
    )


def unlock_user(*, token: str) -> User | None:
    """The account an unlock token stands for, or None (expired, tampered, other commune)."""
    try:
        payload = unlock_payload(token)
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=payload.get("u"), is_active=True).first()
    if user is None or not user.email or user.email != payload.get("e"):
        return None
    return user


def unlock(*, user: User) -> int:
    """Clear every recorded login failure of ``user``'s account (all addresses) and allow the
    next notice; returns how many axes records were removed."""
    from axes.utils import reset

    cache.delete(_notice_key(user))
    return reset(username=user.email)


# --- Retention of the axes records --------------------------------------------------------------


def login_records_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the axes records (attempts, failure log, access log, each with its IP address)
    of the current schema older than ``AXES_RETENTION_DAYS``; returns how many went.

    Records younger than the cool-off are needed for lockouts and the slow-down, so the period
    never goes below it."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    days = dt.timedelta(days=settings.AXES_RETENTION_DAYS)
    cutoff = (now or timezone.now()) - max(days, _cool_off())
    deleted = 0
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        count, _by_model = model.objects.filter(attempt_time__lt=cutoff).delete()
        deleted += count
    return deleted
