"""Verify the provider's server-to-server notification.

Modelled on Datatrans' webhook signing: the header ``Datatrans-Signature: t=<ms>,s0=<hex>``
where ``s0 = HMAC-SHA256(key, t + body)`` and the key is the hex-encoded HMAC key from the
merchant configuration. The raw body is signed, so it is checked before anything is parsed.
"""

from __future__ import annotations

import hashlib
import hmac
import re

HEADER = "Datatrans-Signature"
_PARTS = re.compile(r"^t=(?P<t>\d{1,20}),s0=(?P<s0>[0-9a-fA-F]{64})$")


def signature_make(*, key_hex: str, timestamp: str, body: bytes) -> str:
    """The header value for ``body`` signed at ``timestamp`` (milliseconds) with ``key_hex``."""
    digest = hmac.new(bytes.fromhex(key_hex), timestamp.encode() + body, hashlib.sha256)
    return f"t={timestamp},s0={digest.hexdigest()}"


def signature_verify(*, key_hex: str, header: str | None, body: bytes) -> bool:
    """True when ``header`` is a valid signature of ``body`` under ``key_hex``."""
    match = _PARTS.match((header or "").strip())
    if match is None or not key_hex:
        return False
    try:
        expected = signature_make(key_hex=key_hex, timestamp=match["t"], body=body)
    except ValueError:  # a key that is not hex: misconfiguration, never a valid signature
        return False
    return hmac.compare_digest(expected, f"t={match['t']},s0={match['s0'].lower()}")
