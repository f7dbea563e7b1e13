"""A commune's own service that the cantonal catalogue lacks.

The commune's administration proposes it (``commune_service_propose``, in its schema): a
commune-level ``Service`` owned by the commune with a draft version, awaiting the canton. The
cantonal office approves (publishes the version) or rejects it (``commune_service_decide``).
Only the owning commune can offer it, and only once approved; it does not count towards the
cantonal catalogue's 80 % target.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tenants.context import current_commune

from ..models import Approval, Level, Service, ServiceVersion
from .offers import offer_editor_check
from .versions import version_create_draft, version_publish, version_set_steps

REQUEST_FIELD = {
    "key": "anliegen",
    "type": "long_text",
    "required": True,
    "label": {"de": "Ihr Anliegen", "en": "Your request"},
}


@transaction.atomic
def commune_service_propose(
    *,
    user: Any,
    name_de: str,
    summary_de: str,
    fee: Decimal = Decimal("0.00"),
    responsible_group: str = "Einwohnerdienste",
) -> Service:
    """The current commune's administration proposes an own service (pending approval)."""
    offer_editor_check(user=user)
    commune = current_commune()
    if commune is None:
        raise ValidationError(_("Eine eigene Leistung gehört immer zu einer Gemeinde."))
    name, summary = (name_de or "").strip(), (summary_de or "").strip()
    errors = {}
    if not name:
        errors["name_de"] = _("Bitte einen Namen angeben.")
    if not summary:
        errors["summary_de"] = _("Bitte eine Kurzbeschreibung angeben.")
    if errors:
        raise ValidationError(errors)
    key = slugify(f"{commune.slug}-{name}")[:80].strip("-")
    if Service.objects.filter(key=key).exists():
        raise ValidationError(
            {"name_de": _("Eine Leistung «%(name)s» gibt es schon.") % {"name": name}}
        )
    service = Service(
        key=key, level=Level.GEMEINDE, owner_commune=commune, approval=Approval.PENDING
    )
    service.full_clean()
    service.save()
    draft = version_create_draft(
        service=service,
        name_de=name,
        summary_de=summary,
        fee=fee,
        form_definition={"fields": [REQUEST_FIELD]},
    )
    version_set_steps(
        version=draft,
        steps=[
            {
                "key": "bearbeiten",
                "name_de": "Anliegen bearbeiten",
                "kind": "manual",
                "responsible_group": responsible_group,
            }
        ],
    )
    return service


@transaction.atomic
def commune_service_decide(*, service: Service, approve: bool) -> Service:
    """The canton approves (publishes the draft) or rejects a commune's proposed service."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    if service.owner_commune_id is None:
        raise ValidationError(_("Das ist keine eigene Leistung einer Gemeinde."))
    if service.approval != Approval.PENDING:
        raise ValidationError(_("Über diese Leistung ist bereits entschieden."))
    if approve:
        draft = service.versions.filter(status=ServiceVersion.Status.DRAFT).first()
        if draft is None:
            raise ValidationError(_("Diese Leistung hat keinen Entwurf zum Freigeben."))
        version_publish(version=draft)
    service.approval = Approval.APPROVED if approve else Approval.REJECTED
    service.save(update_fields=["approval"])
    return service
