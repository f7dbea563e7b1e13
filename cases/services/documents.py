"""Documents of a case, stored in the commune's media storage (uploads; the files automated
steps produce are attached by ``cases.automation.common.document_generated_add``)."""

from __future__ import annotations

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils.translation import gettext as _

from accounts.models import User
from integrations import registry
from integrations.adapters.documents.data import SealRequest
from integrations.base import IntegrationError
from tenants.context import current_commune
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


def resident_wants_sealed_pdf(case: Case) -> bool:
    """Whether the resident chose delivery "als PDF im Portal (mit elektronischem Siegel)"."""
    return (case.data or {}).get("delivery") == "pdf"


def upload_sealed(*, case: Case, upload: UploadedFile, title: str) -> UploadedFile:
    """The uploaded PDF with the commune's electronic seal (``documents.seal``); a file that is
    not a PDF, or one that cannot be sealed, is refused with a clear message."""
    head = upload.read(2048)
    upload.seek(0)
    guessed = filetype.guess(head)
    if guessed is None or guessed.mime != "application/pdf":
        raise ValidationError(
            {
                "document": _(
                    "Die Einwohnerin / der Einwohner erhält ein gesiegeltes PDF: bitte "
                    "das Dokument als PDF hochladen."
                )
            }
        )
    commune = current_commune()
    try:
        sealed = registry.get("documents.seal").call(
            SealRequest(
                pdf=upload.read(),
                commune_name=commune.name,
                bfs_number=commune.bfs_number,
                reference=case.reference,
                title=title,
            ),
            idempotency_key=f"{case.reference}-decision-seal",
        )
    except IntegrationError as exc:
        raise ValidationError(
            {
                "document": _(
                    "Das PDF kann nicht gesiegelt werden (%(reason)s). Bitte als PDF/A "
                    "speichern und erneut hochladen."
                )
                % {"reason": exc.message}
            }
        ) from exc
    return SimpleUploadedFile(upload.name or "dokument.pdf", sealed.content, "application/pdf")
