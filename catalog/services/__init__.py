"""Writes on the catalogue: versions (draft → published → superseded), retirement
(``versions``, public schema: cantonal admin, seed command), and the current commune's offer
(``offers``, the commune's schema), which keeps the public ``OfferIndex`` in step.
"""

from .offers import (
    AUTOMATED_BY_DEFAULT,
    NEW_OFFER,
    OFFER_FIELDS,
    offer_editor_check,
    offer_set,
    offer_update,
    offers_seed_defaults,
)
from .versions import (
    ADAPTER_KEY,
    STEP_FIELDS,
    VERSION_TEXT_FIELDS,
    service_create,
    service_new_version,
    service_reactivate,
    service_retire,
    version_check,
    version_create_draft,
    version_publish,
    version_refresh_search,
    version_set_steps,
    version_update_draft,
)

__all__ = [
    "ADAPTER_KEY",
    "AUTOMATED_BY_DEFAULT",
    "NEW_OFFER",
    "OFFER_FIELDS",
    "STEP_FIELDS",
    "VERSION_TEXT_FIELDS",
    "offer_editor_check",
    "offer_set",
    "offer_update",
    "offers_seed_defaults",
    "service_create",
    "service_new_version",
    "service_reactivate",
    "service_retire",
    "version_check",
    "version_create_draft",
    "version_publish",
    "version_refresh_search",
    "version_set_steps",
    "version_update_draft",
]
