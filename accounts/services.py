"""Writes on users of the current schema (a commune's, or public for cantonal staff)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from .mails import (
    ALREADY_REGISTERED,
    REGISTRATION_PENDING,
    VERIFY,
    account_mail_enqueue,
    registration_pending,
)
from .models import ResidentProfile, Sex, User
from .selectors import PROFILE_REQUIRED, SEX_INVALID
from .tokens import email_verification_payload, password_fingerprint
from .validators import ahv_normalize, phone_normalize


@transaction.atomic
def user_upsert(
    *,
    email: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
) -> tuple[User, bool]:
    """Create or update a user; running it twice with the same arguments changes nothing."""
    if role not in User.Role.values:
        raise ValueError(f"Unbekannte Rolle {role!r}: erlaubt sind {', '.join(User.Role.values)}.")
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email=email).first()
    created = user is None
    if created:
        user = User(email=email)
    user.role = role
    user.first_name = first_name or user.first_name
    user.last_name = last_name or user.last_name
    user.is_staff = role in (User.Role.ADMIN, User.Role.CANTON)
    user.is_superuser = role in (User.Role.ADMIN, User.Role.CANTON)
    user.is_active = True
    if created or not user.check_password(password):
        user.set_password(password)
    user.save()
    return user, created


# --- Residents: registration, e-mail verification, profile ----------------------------------


class VerificationError(Exception):
    """A verification link that is expired (code "expired") or not genuine (code "invalid")."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@transaction.atomic
def resident_register(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    base_url: str,
) -> User | None:
    """Register a resident in the current commune; the account stays inactive until verified.

    Whether the address is known is never revealed to the caller, neither by the answer nor by
    its duration: the password is hashed in every case, and the one e-mail goes out by a job
    (``accounts.mails``), built on `base_url` (the commune's own host, e.g.
    "https://kriens.portal.lu.ch"):

    * a new address: the account is created (inactive) and mailed its verification link;
    * an address still awaiting verification: nothing changes (not the password, not the
      names); the owner is told, with a link to choose a password that also verifies;
    * any other known address: nothing changes; the mail points to the password reset (a
      deactivated account or a clerk's is never reactivated this way).

    Returns the new user, or None for a known address.
    The password must already have passed Django's validators (the form does that).
    """
    email = User.objects.normalize_email(email).strip().lower()
    # The same hashing work whichever way it goes (a faster answer would tell a known address).
    password_hash = make_password(password)
    user = User.objects.select_for_update().filter(email=email).first()
    if user is not None:
        kind = REGISTRATION_PENDING if registration_pending(user) else ALREADY_REGISTERED
        account_mail_enqueue(kind, user=user, base_url=base_url)
        return None
    user = User(
        email=email,
        role=User.Role.RESIDENT,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        is_active=False,
        password=password_hash,
    )
    user.save()
    ResidentProfile.objects.create(user=user)
    account_mail_enqueue(VERIFY, user=user, base_url=base_url)
    return user


@transaction.atomic
def resident_activate_after_reset(*, user: User) -> bool:
    """A registration awaiting verification whose owner chose a password with a link sent to
    the address: the mailbox is proven, the account becomes active. Deactivated accounts (they
    have logged in before) and staff stay as they are. Returns whether it was activated."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not registration_pending(user):
        return False
    user.is_active = True
    user.save(update_fields=["is_active"])
    ResidentProfile.objects.get_or_create(user=user)
    return True


@transaction.atomic
def resident_verify_email(*, token: str) -> User:
    """Activate the account a verification token stands for; idempotent.

    Raises VerificationError("expired") after three days and VerificationError("invalid")
    for a tampered token, a token of another commune, or one voided by a newer registration;
    in both cases nothing changes.
    """
    try:
        payload = email_verification_payload(token)
    except signing.SignatureExpired:
        raise VerificationError("expired") from None
    except signing.BadSignature:
        raise VerificationError("invalid") from None
    user = User.objects.select_for_update().filter(pk=payload.get("u")).first()
    if (
        user is None
        or user.email != payload.get("e")
        or password_fingerprint(user) != payload.get("p")
    ):
        raise VerificationError("invalid")
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    ResidentProfile.objects.get_or_create(user=user)
    return user


@transaction.atomic
def profile_update(
    *,
    user: User,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date | None,
    ahv_number: str,
    street: str,
    house_number: str,
    postcode: str,
    town: str,
    phone: str = "",
    sex: str = "",
) -> ResidentProfile:
    """Save a resident's names and identity data after validating all of it.

    Once the identity provider vouched for names, date of birth and AHV number
    (``ResidentProfile.verified_level``), those must be sent unchanged.

    Raises ValidationError with a message per field (nothing is saved) when a value is
    missing or invalid. The AHV number is stored as 756.XXXX.XXXX.XX; ``sex`` (optional) is an
    eCH-0044 code (``accounts.models.Sex``: "1" männlich, "2" weiblich) or "".
    """
    values = {
        "date_of_birth": date_of_birth,
        "ahv_number": ahv_normalize(ahv_number),
        "street": street.strip(),
        "house_number": house_number.strip(),
        "postcode": (postcode or "").strip(),
        "town": town.strip(),
        "phone": phone_normalize(phone),
        "sex": (sex or "").strip(),
    }
    names = {"first_name": first_name.strip(), "last_name": last_name.strip()}
    errors: dict[str, list[str]] = {}
    for field_name, message in PROFILE_REQUIRED.items():
        if not (names | values).get(field_name):
            errors[field_name] = [str(message)]
    if values["sex"] not in ("", *Sex.values):
        errors["sex"] = [str(SEX_INVALID)]
    profile, _created = ResidentProfile.objects.select_for_update().get_or_create(user=user)
    errors.update(_verified_changes(user=user, profile=profile, names=names, values=values))
    for name, value in values.items():
        setattr(profile, name, value)
    try:
        profile.full_clean(exclude=["user", *errors])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    for name, value in names.items():
        setattr(user, name, value)
    user.save(update_fields=["first_name", "last_name"])
    profile.save()
    return profile


def _verified_changes(
    *, user: User, profile: ResidentProfile, names: dict, values: dict
) -> dict[str, list[str]]:
    """Names, date of birth and AHV number the identity provider vouched for are not changed
    by typing: an error per field that differs from the stored value."""
    if not profile.verified_level:
        return {}
    stored = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_of_birth": profile.date_of_birth,
        "ahv_number": profile.ahv_number,
    }
    incoming = {
        **names,
        "date_of_birth": values["date_of_birth"],
        "ahv_number": values["ahv_number"],
    }
    return {
        field_name: [str(VERIFIED_READ_ONLY)]
        for field_name, value in stored.items()
        if incoming[field_name] != value
    }


VERIFIED_READ_ONLY = _lazy(
    "Diese Angabe stammt aus Ihrer Anmeldung mit AGOV / E-ID und kann hier nicht geändert werden."
)

STALE_REGISTRATION_AGE = dt.timedelta(days=30)


def registrations_purge_stale(*, now: dt.datetime | None = None) -> int:
    """Delete registrations never verified within 30 days (data kept no longer than needed).

    Only inactive residents who never logged in are removed; deactivated accounts stay.
    Returns the number of accounts deleted.
    """
    now = now or timezone.now()
    stale = User.objects.filter(
        is_active=False,
        role=User.Role.RESIDENT,
        last_login__isnull=True,
        date_joined__lt=now - STALE_REGISTRATION_AGE,
    )
    _total, per_model = stale.delete()
    return per_model.get(User._meta.label, 0)
