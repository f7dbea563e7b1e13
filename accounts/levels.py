"""Login quality levels (how sure the portal is about who a person is), lowest first.

``none``: any account; ``email``: an account whose e-mail address was confirmed (a portal
password login, or the identity provider's lowest level); ``verified``: identity verified by
the provider against an identity document; ``eid``: login with the Swiss e-ID. A service
version names the lowest level it accepts; a login has exactly one level. The provider's
``acr`` values map onto these through ``settings.OIDC_LEVEL_BY_ACR``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuthLevel(models.TextChoices):
    NONE = "none", _("keine Anforderung")
    EMAIL = "email", _("Konto mit bestätigter E-Mail-Adresse")
    VERIFIED = "verified", _("verifizierte Identität")
    EID = "eid", _("E-ID")


_RANK = {AuthLevel.NONE: 0, AuthLevel.EMAIL: 1, AuthLevel.VERIFIED: 2, AuthLevel.EID: 3}


def level_rank(level: str | None) -> int:
    """Order of a level (unknown or empty: below every level)."""
    return _RANK.get(level or "", -1)


def level_satisfies(have: str | None, need: str | None) -> bool:
    """Whether a login of level ``have`` may use what requires ``need``."""
    return level_rank(have) >= level_rank(need or AuthLevel.NONE)


def level_is_verified(level: str | None) -> bool:
    """Whether the level vouches for the person's identity (verified or e-ID)."""
    return level_satisfies(level, AuthLevel.VERIFIED)
