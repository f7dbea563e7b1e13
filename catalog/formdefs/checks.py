"""Pure checks and normalisations for Swiss identifiers (no Django forms involved)."""

from __future__ import annotations

import re

_PHONE_JUNK = re.compile(r"[\s.\-/()]")
_AHV_JUNK = re.compile(r"[\s.]")
_PLATE_JUNK = re.compile(r"[\s.\-·]")
# Cantonal codes of Swiss number plates (Kontrollschilder), followed by 1–6 digits.
CANTON_CODES = frozenset(
    [
        "AG",
        "AI",
        "AR",
        "BE",
        "BL",
        "BS",
        "FR",
        "GE",
        "GL",
        "GR",
        "JU",
        "LU",
        "NE",
        "NW",
        "OW",
        "SG",
        "SH",
        "SO",
        "SZ",
        "TG",
        "TI",
        "UR",
        "VD",
        "VS",
        "ZG",
        "ZH",
    ]
)
_PLATE = re.compile(r"^([A-Z]{2})([1-9][0-9]{0,5})$")

# IBAN lengths of the countries residents most often bank in; others: 15–34 characters.
IBAN_LENGTHS = {
    "CH": 21,
    "LI": 21,
    "DE": 22,
    "AT": 20,
    "FR": 27,
    "IT": 27,
    "ES": 24,
    "PT": 25,
    "NL": 18,
    "BE": 16,
    "LU": 20,
    "GB": 22,
}


def normalise_swiss_phone(raw: str) -> str | None:
    """``041 208 51 11`` / ``+41 79 123 45 67`` / ``0041…`` → ``+41412085111``; None if not Swiss."""
    value = _PHONE_JUNK.sub("", raw or "")
    if value.startswith("+41"):
        national = value[3:]
    elif value.startswith("0041"):
        national = value[4:]
    elif value.startswith("0") and not value.startswith("00"):
        national = value[1:]
    else:
        return None
    # "+41 (0)41 …" is common in signatures: drop the bracketed trunk zero.
    if len(national) == 10 and national.startswith("0"):
        national = national[1:]
    if not (national.isascii() and national.isdigit()) or len(national) != 9 or national[0] == "0":
        return None
    return f"+41{national}"


def ean13_check_digit(first12: str) -> int:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


def normalise_ahv(raw: str) -> str | None:
    """A valid AHV number (13 digits, 756, EAN-13 check digit) as ``756.XXXX.XXXX.XX``, else None."""
    digits = _AHV_JUNK.sub("", raw or "")
    if (
        len(digits) != 13
        or not (digits.isascii() and digits.isdigit())
        or not digits.startswith("756")
    ):
        return None
    if ean13_check_digit(digits[:12]) != int(digits[12]):
        return None
    return f"{digits[:3]}.{digits[3:7]}.{digits[7:11]}.{digits[11:]}"


def iban_problem(raw: str) -> tuple[str | None, str | None]:
    """(normalised IBAN, None) or (None, problem) where problem is ``format``/``length``/``checksum``."""
    value = re.sub(r"\s", "", raw or "").upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", value):
        return None, "format"
    expected = IBAN_LENGTHS.get(value[:2])
    if (expected and len(value) != expected) or not 15 <= len(value) <= 34:
        return None, "length"
    rearranged = value[4:] + value[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    if int(number) % 97 != 1:
        return None, "checksum"
    return value, None


def format_iban(value: str) -> str:
    """``CH9300762011623852957`` → ``CH93 0076 2011 6238 5295 7`` (for display)."""
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def normalise_swiss_plate(raw: str) -> str | None:
    """``lu 123 456`` / ``LU-123456`` → ``LU 123456``; None unless a canton code followed by
    1–6 digits (no leading zero)."""
    value = _PLATE_JUNK.sub("", (raw or "").upper())
    match = _PLATE.match(value)
    if not match or match.group(1) not in CANTON_CODES:
        return None
    return f"{match.group(1)} {match.group(2)}"
