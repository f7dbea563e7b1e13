"""Jobs of the accounts app. The commune is restored by tenants.jobs.CommuneJobMiddleware."""

from __future__ import annotations

from typing import Any

import dramatiq
from django.conf import settings
from django.core.cache import cache

from tenants.scheduler import periodic_public

from .lockout import login_records_expire
from .mails import SEND_ACCOUNT_MAIL, account_mail_send

MAIL_QUEUE = "mail"


@dramatiq.actor(
    actor_name=SEND_ACCOUNT_MAIL,
    queue_name=MAIL_QUEUE,
    max_retries=5,
    min_backoff=10_000,
    max_backoff=600_000,
    time_limit=60_000,
)
def send_account_mail(
    kind: str, user_id: int, base_url: str, language: str, details: dict[str, Any]
) -> None:
    """Build and send one account e-mail (registration, notice, lockout) in the commune."""
    account_mail_send(
        kind=kind, user_id=user_id, base_url=base_url, language=language, details=details
    )


@periodic_public
@dramatiq.actor(queue_name=MAIL_QUEUE, max_retries=0, time_limit=300_000)
def expire_public_login_records() -> None:
    """In the public schema (cantonal staff log in there), at most once per
    RETENTION_INTERVAL_SECONDS: delete login records older than AXES_RETENTION_DAYS. The
    communes' records go with their retention job (cases.services.retention)."""
    interval = getattr(settings, "RETENTION_INTERVAL_SECONDS", 3600)
    if not cache.add("accounts:login-records-expired", 1, timeout=interval):
        return
    login_records_expire()
