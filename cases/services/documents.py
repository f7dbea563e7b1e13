"""Documents of a case, stored in the commune's media storage."""

from __future__ import annotations

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from accounts.models import User
from tenants.safe_input import image_check

from ..models import Case, Document

MAX_DOCUMENT_MB = 20
ALLOWED_TYPES = {
    "application/pdf",
    "image/jpeg",
    "image/png",
}


def document_store(
    *,
    case: Case,
    upload: UploadedFile,
    user: User | None,
    kind: str,
    visible_to_resident: bool,
    field_key: str = "",
) -> Document:
    """Store an uploaded file of the administration on the case (PDF, JPEG or PNG, ≤ 20 MB).

    The type is taken from the file's content, not from its name or the browser's claim.
    """
    if upload.size > MAX_DOCUMENT_MB * 1024 * 1024:
        raise ValidationError(
            _("Die Datei ist zu gross (höchstens %(mb)s MB).") % {"mb": MAX_DOCUMENT_MB},
            code="too_large",
        )
    head = upload.read(2048)
    upload.seek(0)
    guessed = filetype.guess(head)
    if guessed is None or guessed.mime not in ALLOWED_TYPES:
        raise ValidationError(_("Erlaubt sind PDF-, JPEG- und PNG-Dateien."), code="invalid_type")
    image_check(upload, guessed.mime)
    return Document.objects.create(
        case=case,
        kind=kind,
        file=upload,
        name=(upload.name or "dokument")[:200],
        content_type=guessed.mime,
        size=upload.size,
        field_key=field_key,
        visible_to_resident=visible_to_resident,
        uploaded_by=user,
    )


def document_generated_add(
    *,
    case: Case,
    step_key: str,
    name: str,
    content: bytes,
    content_type: str,
    visible_to_resident: bool = True,
) -> Document:
    """Attach a file an automated step produced (certificate, QR-bill), once: a redelivered
    step finds the document it stored before instead of storing a second one."""
    existing = Document.objects.filter(case=case, field_key=step_key, name=name).first()
    if existing is not None:
        return existing
    return Document.objects.create(
        case=case,
        kind=Document.Kind.GENERATED,
        file=ContentFile(content, name=name),
        name=name,
        content_type=content_type,
        size=len(content),
        field_key=step_key,
        visible_to_resident=visible_to_resident,
    )
