"""AHV numbers (eCH-0044 ``vn``): 756 + 9 digits + an EAN-13 check digit."""

from __future__ import annotations

import re

_NON_DIGITS = re.compile(r"[\s.]")


def ahv_check_digit(first_twelve: str) -> int:
    """EAN-13 check digit of the first twelve digits (weights 1, 3, 1, 3, … from the left)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first_twelve))
    return (10 - total % 10) % 10


def ahv_normalize(value: str) -> str:
    """``756.1234.5678.97`` → ``7561234567897`` (no validation)."""
    return _NON_DIGITS.sub("", value or "")


def ahv_is_valid(value: str) -> bool:
    digits = ahv_normalize(value)
    return (
        len(digits) == 13
        and (digits.isascii() and digits.isdigit())
        and digits.startswith("756")
        and ahv_check_digit(digits[:12]) == int(digits[12])
    )


def ahv_format(value: str) -> str:
    """``7561234567897`` → ``756.1234.5678.97``."""
    d = ahv_normalize(value)
    return f"{d[:3]}.{d[3:7]}.{d[7:11]}.{d[11:]}"


def ahv_from_serial(serial: int) -> str:
    """A valid AHV number (13 digits) for a 9-digit serial number."""
    body = f"756{serial % 1_000_000_000:09d}"
    return body + str(ahv_check_digit(body))
