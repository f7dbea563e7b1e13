"""Reads on users of the current schema."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .levels import AuthLevel
from .models import ResidentProfile, User

# Fields a complete profile has, with the message when one is missing (house number and phone
# stay optional: not every address has a house number).
PROFILE_REQUIRED = {
    "first_name": _("Bitte geben Sie Ihren Vornamen ein."),
    "last_name": _("Bitte geben Sie Ihren Nachnamen ein."),
    "date_of_birth": _("Bitte geben Sie Ihr Geburtsdatum ein."),
    "ahv_number": _("Bitte geben Sie Ihre AHV-Nummer ein."),
    "street": _("Bitte geben Sie die Strasse ein."),
    "postcode": _("Bitte geben Sie die Postleitzahl ein."),
    "town": _("Bitte geben Sie den Ort ein."),
}

SEX_INVALID = _("Bitte wählen Sie beim Geschlecht «männlich», «weiblich» oder keine Angabe.")

VERIFIED_SOURCE = _(
    "Aus Ihrer Anmeldung mit AGOV («%(level)s») übernommen am %(date)s; nicht änderbar."
)

PROFILE_KEYS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "ahv_number",
    "sex",
    "street",
    "house_number",
    "postcode",
    "town",
    "phone",
    "email",
)
# A person's identity as services see it (automated steps, prefilled order forms): the profile
# without the phone number.
IDENTITY_KEYS = tuple(k for k in PROFILE_KEYS if k != "phone")


def profile_get(*, user: User) -> ResidentProfile | None:
    """The resident's stored profile, or None when there is none yet."""
    return ResidentProfile.objects.filter(user=user).first()


def profile_for(user: User) -> dict[str, str]:
    """The identity data of a user as a plain dict, for prefilling forms and identifying them.

    Keys: first_name, last_name, date_of_birth (ISO "YYYY-MM-DD"), ahv_number
    ("756.XXXX.XXXX.XX"), sex (eCH-0044 code: "1" männlich, "2" weiblich, "" unknown), street,
    house_number, postcode, town, phone, email. Every value is
    a string; what the resident has not entered yet is "". Works for any user (also clerks).
    """
    profile = profile_get(user=user)
    data = dict.fromkeys(PROFILE_KEYS, "")
    data.update(first_name=user.first_name, last_name=user.last_name, email=user.email)
    if profile is not None:
        data.update(
            date_of_birth=profile.date_of_birth.isoformat() if profile.date_of_birth else "",
            ahv_number=profile.ahv_number,
            sex=profile.sex,
            street=profile.street,
            house_number=profile.house_number,
            postcode=profile.postcode,
            town=profile.town,
            phone=profile.phone,
        )
    return data


def profile_verified_source(user: User) -> str:
    """ "" when the identity fields were typed in; else where they come from and since when, for
    showing them read-only (e.g. «Aus Ihrer Anmeldung mit E-ID übernommen am 03.12.2026»)."""
    profile = profile_get(user=user)
    if profile is None or not profile.verified_level or profile.verified_at is None:
        return ""
    label = (
        AuthLevel(profile.verified_level).label
        if profile.verified_level in AuthLevel.values
        else ""
    )
    when = timezone.localtime(profile.verified_at).strftime("%d.%m.%Y")
    return str(VERIFIED_SOURCE) % {"level": label, "date": when}


def profile_is_complete(user: User) -> bool:
    """Whether the user has entered every required identity field (names, date of birth,
    AHV number, street, postcode, town)."""
    data = profile_for(user)
    return all(data[key] for key in PROFILE_REQUIRED)


def account_deactivated(*, email: str, password: str) -> bool:
    """Whether ``email`` is an account that was deactivated (not a registration awaiting
    verification) and ``password`` is its password."""
    user = (
        User.objects.filter(email=email.strip().lower(), is_active=False)
        .exclude(role=User.Role.RESIDENT, last_login__isnull=True)
        .first()
    )
    return bool(user and password and user.check_password(password))


def registration_pending(*, email: str, password: str) -> bool:
    """Whether `email` is a registration still awaiting its e-mail verification and
    `password` is its password."""
    user = User.objects.filter(
        email=email.strip().lower(),
        is_active=False,
        role=User.Role.RESIDENT,
        last_login__isnull=True,
    ).first()
    return bool(user and password and user.check_password(password))
