"""A commune's own service that the cantonal catalogue lacks.

The commune's administration proposes it (``commune_service_propose``, in its schema): a
commune-level ``Service`` owned by the commune with a draft version, awaiting the canton. The
cantonal office approves (publishes the version) or rejects it (``commune_service_decide``).
Only the owning commune can offer it, and only once approved; it does not count towards the
cantonal catalogue's 80 % target.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
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


def _fee(value: Any) -> Decimal:
    try:
        fee = Decimal(str(value if value not in (None, "") else "0"))
    except (InvalidOperation, ValueError):
        fee = Decimal("-1")
    if not fee.is_finite() or fee < 0 or fee.as_tuple().exponent < -2 or fee >= 100_000:
        raise ValidationError(
            {"fee": _("Bitte eine Gebühr in CHF ab 0 mit höchstens zwei Nachkommastellen.")}
        )
    return fee.quantize(Decimal("0.01"))


@transaction.atomic
def commune_service_propose(
    *,
    user: Any,
    name_de: str,
    summary_de: str,
    fee: Decimal | str = Decimal("0.00"),
    responsible_group: str = "Einwohnerdienste",
    name_en: str = "",
    summary_en: str = "",
) -> Service:
    """The current commune's administration proposes an own service (pending approval).

    German name and summary are required, English ones optional; the service gets one manual
    step for ``responsible_group``. Refuses anyone but a commune administrator; nothing is
    stored when it refuses."""
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
    if not (responsible_group or "").strip():
        errors["responsible_group"] = _("Bitte die zuständige Gruppe angeben.")
    try:
        fee = _fee(fee)
    except ValidationError as exc:
        errors.update(exc.message_dict)
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
        name_en=(name_en or "").strip(),
        summary_de=summary,
        summary_en=(summary_en or "").strip(),
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
                "responsible_group": responsible_group.strip(),
            }
        ],
    )
    return service


def canton_decider_check(*, user: Any) -> None:
    """Only the cantonal office (role ``canton`` or superuser, on the public host) decides on
    communes' own services; anyone else, a commune's administrators included: PermissionDenied."""
    allowed = getattr(user, "is_authenticated", False) and (
        user.role == User.Role.CANTON or user.is_superuser
    )
    if not allowed or current_commune() is not None:
        raise PermissionDenied(
            _("Nur das kantonale E-Government-Büro gibt eigene Leistungen frei.")
        )


@transaction.atomic
def commune_service_decide(
    *, user: Any, service: Service, approve: bool, reason: str = ""
) -> Service:
    """The canton approves (publishes the draft) or rejects a commune's proposed service.

    A rejection needs a ``reason``, which the commune sees beside its proposal; a decision is
    final. Nothing changes when it refuses."""
    canton_decider_check(user=user)
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError(
            {"reason": _("Bitte begründen Sie die Ablehnung; die Gemeinde sieht die Begründung.")}
        )
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
    service.approval_reason = "" if approve else reason
    service.approval_decided_at = timezone.now()
    service.save(update_fields=["approval", "approval_reason", "approval_decided_at"])
    return service
