"""A complete, valid configuration for a test commune (the development one, with overrides)."""

from __future__ import annotations

from integrations.dev_config import dev_configuration, swiss_iban
from tenants.models import Commune, CommuneConfig
from tenants.services import commune_config_update


def configure(commune: Commune, secrets: dict[str, str] | None = None, **changes) -> CommuneConfig:
    plain, dev_secrets = dev_configuration(commune)
    return commune_config_update(
        commune=commune, changes={**plain, **changes}, secrets={**dev_secrets, **(secrets or {})}
    )


__all__ = ["configure", "swiss_iban"]
