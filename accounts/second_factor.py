"""A second factor for staff (clerks, commune administrators, the cantonal office): TOTP and
single-use recovery codes through django-otp.

Without a verified second factor a staff account gets the resident view at most: the back
office, both admin sites and the commune's administration pages redirect to the code page
(``StaffSecondFactorMiddleware``), and the API answers 403 (``StaffSecondFactor``). Wrong codes
are throttled by django-otp (1, 2, 4 … seconds between attempts) and locked after
``SECOND_FACTOR_MAX_FAILURES`` failures until an administrator resets the device.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential

from .models import User

TOTP_NAME = "Authenticator-App"
RECOVERY_NAME = "Wiederherstellungscodes"
RECOVERY_COUNT = 10
# Staff areas: a staff account needs its second factor here.
STAFF_PATHS = ("/backoffice/", "/admin/", "/verwaltung/")
FACTOR_PATHS = ("/zweiter-faktor/",)

STAFF_API_REFUSED = _(
    "Für Mitarbeitende ist ein zweiter Faktor nötig: melden Sie sich mit dem Code Ihrer "
    "Authenticator-App an (API: Feld «otp» beim Token)."
)
CODE_WRONG = _("Der Code ist falsch oder abgelaufen.")
CODE_LOCKED = _(
    "Zu viele falsche Codes. Bitte warten Sie einen Moment und versuchen Sie es erneut; nach "
    "weiteren Fehlversuchen ist der zweite Faktor gesperrt (Gemeindeadministration)."
)


def is_staff_account(user) -> bool:
    """Clerks, commune administrators and cantonal staff (whatever their flags say)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and (
            getattr(user, "role", "") in (User.Role.CLERK, User.Role.ADMIN, User.Role.CANTON)
            or getattr(user, "is_staff", False)
        )
    )


def has_second_factor(user) -> bool:
    """A confirmed authenticator app or passkey."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


def _secret_hex(secret_b32: str) -> str:
    padded = secret_b32.strip().replace(" ", "").upper()
    padded += "=" * (-len(padded) % 8)
    return binascii.hexlify(base64.b32decode(padded)).decode()


def secret_b32(device: TOTPDevice) -> str:
    """The device's secret as the base32 text authenticator apps take."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_device_ensure(*, user: User, secret: str | None = None) -> str:
    """A confirmed TOTP device for ``user`` (with ``secret`` in base32 if given); returns the
    secret in base32. Idempotent: the same secret keeps the same device."""
    key = _secret_hex(secret) if secret else None
    device = TOTPDevice.objects.filter(user=user, name=TOTP_NAME).first()
    if device is None:
        device = TOTPDevice(user=user, name=TOTP_NAME, confirmed=True)
        if key:
            device.key = key
        device.save()
    elif key and device.key != key:
        device.key = key
        device.confirmed = True
        device.save()
    return secret_b32(device)


def demo_secret(*, commune: str, role: str) -> str:
    """A deterministic TOTP secret per installation (SECRET_KEY), commune and role."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"totp:{commune}:{role}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest[:20]).decode().rstrip("=")


def totp_enrol_start(*, user: User) -> TOTPDevice:
    """An unconfirmed device for enrolment (replacing an earlier unconfirmed one)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def totp_enrol_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm enrolment with a first code: the device becomes the user's only TOTP device
    and new recovery codes are returned (shown once); None when the code is wrong."""
    if device.user_id != user.pk or not device.verify_token(code):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_new(user=user)


def recovery_codes_new(*, user: User) -> list[str]:
    """Ten new single-use recovery codes (the old ones stop working)."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def code_check(*, user: User, code: str) -> tuple[object | None, str]:
    """The device that accepts ``code`` (TOTP or a recovery code, used up), or None and a
    message (wrong, or throttled/locked)."""
    code = (code or "").strip().replace(" ", "")
    if not code:
        return None, str(CODE_WRONG)
    # Six digits go to the app's device, anything else to the recovery codes: a recovery code
    # tried against the app would count as the app's failure (and throttle it).
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    devices = list(model.objects.filter(user=user, confirmed=True))
    locked = False
    for device in devices:
        allowed, _data = device.verify_is_allowed()
        if not allowed:
            locked = True
            continue
        if device.verify_token(code):
            return device, ""
    failures = max((getattr(d, "throttling_failure_count", 0) for d in devices), default=0)
    if locked or failures >= settings.SECOND_FACTOR_MAX_FAILURES:
        return None, str(CODE_LOCKED)
    return None, str(CODE_WRONG)


def session_verify(request: HttpRequest, device) -> None:
    """Mark this session as passed the second factor (django-otp's login)."""
    otp_login(request, device)


def request_verified(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    verified = getattr(user, "is_verified", None)
    return bool(verified and verified())


class StaffSecondFactorMiddleware:
    """Staff areas need the second factor (after django-otp's OTPMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if (
            path.startswith(STAFF_PATHS)
            and not path.startswith("/admin/login/")
            and is_staff_account(request.user)
            and not request_verified(request)
        ):
            target = (
                "/zweiter-faktor/"
                if has_second_factor(request.user)
                else "/zweiter-faktor/einrichten/"
            )
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def webauthn_rp_id(request: HttpRequest) -> str:
    """Passkeys belong to the host they were made on (a commune's or the public host)."""
    return request.get_host().split(":")[0]


class PortalWebAuthnHelper(WebAuthnHelper):
    """The expected origin is the requesting host's own (each commune has its own host)."""

    def get_allowed_origins(self) -> list[str]:
        return [f"{self.request.scheme}://{self.request.get_host()}"]


def has_passkey(user) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
