"""Jobs of "Meine Daten": building a person's export (it reads every commune's schema, which a
request must not) and expiring the built files. The commune is restored by
tenants.jobs.CommuneJobMiddleware; ``CasesConfig.ready`` imports this module."""

from __future__ import annotations

import dramatiq

from tenants.data_exports import data_exports_expire
from tenants.scheduler import periodic_public

from .jobs import BUILD_PERSONAL_DATA_EXPORT
from .services.my_data import personal_data_export_build


@dramatiq.actor(
    actor_name=BUILD_PERSONAL_DATA_EXPORT,
    queue_name="exports",
    max_retries=0,
    time_limit=300_000,
)
def build_personal_data_export(export_id: str, language: str = "de") -> None:
    """On the host's schema where it was asked for: build and store the export."""
    personal_data_export_build(export_id=export_id, language=language)


@periodic_public
@dramatiq.actor(queue_name="exports", max_retries=0, time_limit=60_000)
def expire_personal_data_exports() -> None:
    """In public, at each scheduler tick: delete the exports past their expiry."""
    data_exports_expire()
