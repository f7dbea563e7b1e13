"""Personal data exports (``PersonalDataExport``, public, by value): requested on a host, built
by a job in that host's schema, downloaded by the same account on the same host until they
expire. The content comes from ``cases`` (it knows what a person's data is); this module only
keeps, hands out and expires the files."""

from __future__ import annotations

import base64
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .context import current_commune
from .crypto import decrypt, encrypt, rotate
from .models import Commune, PersonalDataExport

# A request while a younger export of the same kind is still being built gets that one (a
# double click, a reload); an older pending one is taken as lost (worker killed, broker down).
PENDING_REUSE = dt.timedelta(minutes=10)


def _hours() -> dt.timedelta:
    return dt.timedelta(hours=getattr(settings, "PERSONAL_DATA_EXPORT_HOURS", 24))


def _owned(*, commune: Commune | None, user_id: int):
    commune_id = commune.pk if commune is not None else None
    return PersonalDataExport.objects.filter(commune_id=commune_id, user_id=user_id)


def data_export_open(*, user_id: int, fmt: str) -> tuple[PersonalDataExport, bool]:
    """A pending export of ``fmt`` for account ``user_id`` of the current host; ``True`` when it
    is new (the caller enqueues its job), ``False`` when a recent pending one is reused."""
    if fmt not in PersonalDataExport.Format.values:
        raise ValueError(f"unknown export format {fmt!r}")
    commune = current_commune()
    now = timezone.now()
    pending = (
        _owned(commune=commune, user_id=user_id)
        .filter(format=fmt, status=PersonalDataExport.Status.PENDING)
        .filter(created_at__gte=now - PENDING_REUSE)
        .first()
    )
    if pending is not None:
        return pending, False
    created = PersonalDataExport.objects.create(
        commune=commune, user_id=user_id, format=fmt, created_at=now, expires_at=now + _hours()
    )
    return created, True


def data_export_to_build(*, export_id: str) -> PersonalDataExport | None:
    """The pending export ``export_id`` if it was asked for on the current host (a job in
    another commune gets None), else None."""
    export = (
        PersonalDataExport.objects.filter(pk=export_id, status=PersonalDataExport.Status.PENDING)
        .select_related("commune")
        .first()
    )
    if export is None or export.commune_id != _commune_id():
        return None
    return export


def data_export_store(*, export: PersonalDataExport, content: bytes) -> None:
    """Keep the built file (encrypted) and mark the export ready."""
    export.content = encrypt(base64.b64encode(content).decode("ascii"))
    export.status = PersonalDataExport.Status.READY
    export.ready_at = timezone.now()
    export.save(update_fields=["content", "status", "ready_at"])


def data_export_fail(*, export: PersonalDataExport) -> None:
    export.status = PersonalDataExport.Status.FAILED
    export.save(update_fields=["status"])


def data_exports_of(*, user_id: int) -> list[PersonalDataExport]:
    """The unexpired exports of account ``user_id`` on the current host, newest first."""
    return list(
        _owned(commune=current_commune(), user_id=user_id)
        .filter(expires_at__gt=timezone.now())
        .defer("content")[:10]
    )


def data_export_for(*, export_id: str, user_id: int) -> PersonalDataExport | None:
    """Export ``export_id`` if account ``user_id`` of the current host asked for it and it has
    not expired; else None (someone else's, another host's, expired or unknown look the same)."""
    return (
        _owned(commune=current_commune(), user_id=user_id)
        .filter(pk=export_id, expires_at__gt=timezone.now())
        .first()
    )


def data_export_content(export: PersonalDataExport) -> bytes:
    return base64.b64decode(decrypt(export.content))


def data_exports_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the exports past ``expires_at`` (every host); returns how many."""
    deleted, _by_model = PersonalDataExport.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted


def data_exports_rotate() -> int:
    """Re-encrypt every kept export file with the first key of ``DATA_ENCRYPTION_KEYS`` (part
    of ``rotate_data_keys``: afterwards the old key can go without making a file that is still
    downloadable unreadable); returns how many."""
    count = 0
    with transaction.atomic():
        exports = PersonalDataExport.objects.select_for_update().exclude(content="")
        for export in exports.only("pk", "content").iterator(chunk_size=100):
            export.content = rotate(export.content)
            export.save(update_fields=["content"])
            count += 1
    return count


def _commune_id() -> int | None:
    commune = current_commune()
    return commune.pk if commune is not None else None
