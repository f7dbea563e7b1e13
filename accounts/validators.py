"""Validators for a resident's identity data, with one clear German message each.

Other apps (e.g. the form fields of the catalogue) may reuse them: they depend on nothing
but Django.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_AHV_FORMAT = re.compile(r"^756\.\d{4}\.\d{4}\.\d{2}$")
_PHONE_ALLOWED = re.compile(r"^\+?[\d\s/().-]+$")


def ean13_check_digit(first_twelve: str) -> int:
    """The EAN-13 check digit of twelve digits (weights 1, 3, 1, 3, … from the left)."""
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(first_twelve))
    return (10 - total % 10) % 10


def ahv_normalize(value: str) -> str:
    """Bring an AHV number into the form 756.XXXX.XXXX.XX.

    Spaces and dots are ignored on input, so "7569217076985" and "756 9217 0769 85" both
    become "756.9217.0769.85". Anything that is not 13 digits is returned stripped, unchanged,
    for the validator to reject.
    """
    digits = re.sub(r"[\s.]", "", value or "")
    if len(digits) != 13 or not (digits.isascii() and digits.isdigit()):
        return (value or "").strip()
    return f"{digits[:3]}.{digits[3:7]}.{digits[7:11]}.{digits[11:]}"


def validate_ahv_number(value: str) -> None:
    """A Swiss AHV number (AHVN13): 756.XXXX.XXXX.XX with a correct EAN-13 check digit."""
    if not _AHV_FORMAT.match(value or ""):
        raise ValidationError(
            _("Die AHV-Nummer hat die Form 756.XXXX.XXXX.XX (13 Ziffern, beginnend mit 756)."),
            code="ahv_format",
        )
    digits = value.replace(".", "")
    if ean13_check_digit(digits[:12]) != int(digits[12]):
        raise ValidationError(
            _("Die AHV-Nummer ist ungültig (die Prüfziffer stimmt nicht). Bitte prüfen Sie sie."),
            code="ahv_check_digit",
        )


def validate_swiss_postcode(value: str) -> None:
    """A Swiss postcode: four digits from 1000 to 9699."""
    if (
        not ((value or "").isascii() and (value or "").isdigit())
        or len(value) != 4
        or not 1000 <= int(value) <= 9699
    ):
        raise ValidationError(
            _("Die Postleitzahl besteht aus vier Ziffern zwischen 1000 und 9699."),
            code="postcode",
        )


def phone_normalize(value: str) -> str:
    return re.sub(r"\s+", " ", (value or "").strip())


def validate_phone(value: str) -> None:
    """A telephone number: digits with optional +, spaces, /, -, brackets; 9 to 15 digits."""
    digits = re.sub(r"\D", "", value or "")
    if not _PHONE_ALLOWED.match(value or "") or not 9 <= len(digits) <= 15:
        raise ValidationError(
            _("Bitte geben Sie eine Telefonnummer ein, z. B. 041 123 45 67 oder +41 41 123 45 67."),
            code="phone",
        )


def validate_date_of_birth(value: dt.date) -> None:
    """A date of birth in the past and not before 1900."""
    if value is None:
        return
    if value > timezone.localdate():
        raise ValidationError(
            _("Das Geburtsdatum darf nicht in der Zukunft liegen."), code="future"
        )
    if value < dt.date(1900, 1, 1):
        raise ValidationError(_("Bitte prüfen Sie das Geburtsdatum (vor 1900)."), code="too_old")
