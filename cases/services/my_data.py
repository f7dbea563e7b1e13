"""A person's own data (revDSG Art. 25 access right, Art. 32 erasure): everything the portal
holds about them in every commune, the public index and the register access log; and closing
their account with what must legally stay, and until when."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import AuthToken, IdentityLogin, ResidentProfile, User
from accounts.selectors import profile_for
from integrations import registry
from integrations.adapters.documents.data import PersonalDataRequest, PersonalDataSection
from tenants.access_log import register_access_for_person, register_access_plain
from tenants.case_index import case_index_for_subject
from tenants.context import current_commune, in_commune
from tenants.data_exports import (
    data_export_fail,
    data_export_open,
    data_export_store,
    data_export_to_build,
)
from tenants.jobs import enqueue_on_commit
from tenants.models import Commune, PersonalDataExport

from ..exceptions import InvalidTransition
from ..jobs import BUILD_PERSONAL_DATA_EXPORT
from ..models import OPEN_STATUSES, Case, Draft
from .drafts import draft_plain, drafts_delete_for_owner
from .versions import published_version

logger = logging.getLogger(__name__)


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


def _case_plain(case: Case) -> dict[str, Any]:
    version, _steps = published_version(case.version_id)
    return {
        "reference": case.reference,
        "service": version.service.key,
        "title": version.name_de,
        "status": case.status,
        "submitted_at": _iso(case.submitted_at),
        "closed_at": _iso(case.closed_at),
        "data": case.data,
        "identity": case.identity,
        "fee": str(case.fee),
        "decision": case.decision,
        "decision_reason": case.decision_reason,
        "retention": _retention_of(case),
        "steps": [
            {"name": s.name_de, "status": s.status, "input": s.input, "output": s.output}
            for s in case.steps.order_by("position")
        ],
        "events": [
            {"at": _iso(e.created_at), "kind": e.kind, "text": e.text}
            for e in case.events.order_by("created_at", "id")
        ],
        "documents": [
            {"name": d.name, "kind": d.kind, "size": d.size, "created_at": _iso(d.created_at)}
            for d in case.documents.order_by("created_at")
        ],
        "messages": [
            {"at": _iso(m.created_at), "from_resident": m.from_resident, "body": m.body}
            for m in case.messages.order_by("created_at", "id")
        ],
    }


def _retention_of(case: Case) -> dict[str, Any]:
    """Until when the case's content is kept, and why."""
    version, _steps = published_version(case.version_id)
    until = case.closed_at + dt.timedelta(days=version.retention_days) if case.closed_at else None
    return {
        "days_after_closing": version.retention_days,
        "until": until.date().isoformat() if until else "",
        "legal_basis": version.retention_legal_basis,
        "on_hold": case.legal_hold or case.objection_open,
    }


def _account_plain(user: User, commune: Commune) -> dict[str, Any]:
    return {
        "commune": commune.name,
        "slug": commune.slug,
        "account": {
            "email": user.email or "",
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "profile": profile_for(user),
        "identity_logins": [
            {"at": _iso(login.created_at), "level": login.level, "claims": login.claims}
            for login in IdentityLogin.objects.filter(user=user).order_by("created_at")
        ],
        "cases": [
            _case_plain(c) for c in Case.objects.filter(applicant=user).select_related("version")
        ],
        "drafts": [
            draft_plain(d)
            for d in Draft.objects.filter(owner=user)
            .select_related("service")
            .prefetch_related("files")
        ],
    }


def _commune_accounts(*, user: User, subject: str) -> list[dict[str, Any]]:
    """The person's account in each commune: every commune for a provider identity (the same
    subject everywhere), only the current one for an e-mail account."""
    here = current_commune()
    if not subject:
        return [_account_plain(user, here)] if here is not None else []
    accounts = []
    for commune in Commune.objects.filter(status=Commune.Status.ACTIVE).order_by("name"):
        with in_commune(commune):
            account = User.objects.filter(oidc_subject=subject).first()
            if account is not None:
                accounts.append(_account_plain(account, commune))
    return accounts


def personal_data_export(*, user: User) -> dict[str, Any]:
    """Everything about the person ``user`` is (JSON-safe): their accounts, profiles, logins
    and cases in every commune, their entries in the public case index, the access log."""
    subject = user.oidc_subject or ""
    here = current_commune()
    return {
        "generated_at": timezone.now().isoformat(),
        "subject": subject,
        "communes": _commune_accounts(user=user, subject=subject),
        "case_index": [
            {
                "commune": e.commune.name,
                "reference": e.reference,
                "service": e.service_key,
                "status": e.status,
                "submitted_at": _iso(e.submitted_at),
                "updated_at": _iso(e.updated_at),
            }
            for e in case_index_for_subject(subject=subject)
        ],
        "access_log": [
            register_access_plain(e)
            for e in register_access_for_person(
                subject=subject, commune=here, user_id=user.pk if here is not None else None
            )
        ],
    }


@dataclass(frozen=True)
class KeptCase:
    """What stays after closing an account: a case, until when, on which basis."""

    reference: str
    title: str
    until: str
    legal_basis: str
    on_hold: bool


def account_closing_statement(*, user: User) -> tuple[list[str], list[KeptCase]]:
    """Before closing: the open cases (they block closing) and the closed cases that stay until
    their retention period ends (current commune)."""
    cases = list(Case.objects.filter(applicant=user).order_by("submitted_at"))
    open_refs = [c.reference for c in cases if c.status in OPEN_STATUSES]
    kept = []
    for case in cases:
        if case.status in OPEN_STATUSES:
            continue
        version, _steps = published_version(case.version_id)
        retention = _retention_of(case)
        kept.append(
            KeptCase(
                reference=case.reference,
                title=version.name_de,
                until=retention["until"],
                legal_basis=version.retention_legal_basis,
                on_hold=retention["on_hold"],
            )
        )
    return open_refs, kept


@transaction.atomic
def account_close(*, user: User) -> list[KeptCase]:
    """Close the resident's account in the current commune: the profile (with the AHV number),
    the verified claims of past logins, the API tokens and the order drafts are deleted, the
    account is anonymised and deactivated. Closed cases stay until their retention period ends (returned);
    open cases block closing (``InvalidTransition``)."""
    open_refs, kept = account_closing_statement(user=user)
    if open_refs:
        raise InvalidTransition(
            _(
                "Ihr Konto kann nicht geschlossen werden, solange Geschäfte offen sind "
                "(%(refs)s). Ziehen Sie sie zurück oder warten Sie den Abschluss ab."
            )
            % {"refs": ", ".join(open_refs)},
            code="open_cases",
        )
    ResidentProfile.objects.filter(user=user).delete()
    IdentityLogin.objects.filter(user=user).update(claims={})
    AuthToken.objects.filter(user=user).delete()
    drafts_delete_for_owner(user=user)
    user.email = None
    user.username = f"geschlossen-{uuid.uuid4().hex}"
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    return kept


def _flat(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested data as readable label/value lines (``a › b``)."""
    if isinstance(value, dict):
        lines: list[tuple[str, str]] = []
        for key, item in value.items():
            lines += _flat(item, f"{prefix} › {key}" if prefix else str(key))
        return lines
    if isinstance(value, list):
        lines = []
        for number, item in enumerate(value, start=1):
            lines += _flat(item, f"{prefix} {number}")
        return lines
    return [(prefix, "" if value is None else str(value))]


def personal_data_pdf(export: dict[str, Any]) -> bytes:
    """The export (``personal_data_export``) as a readable PDF, one section per commune, then
    the index and the access log."""
    sections = [
        PersonalDataSection(
            heading=_("Gemeinde %(name)s") % {"name": part["commune"]},
            lines=tuple(_flat({k: v for k, v in part.items() if k not in ("commune", "slug")})),
        )
        for part in export["communes"]
    ]
    sections.append(
        PersonalDataSection(
            heading=_("Übersicht aller Geschäfte (kantonaler Index)"),
            lines=tuple(_flat(export["case_index"], _("Geschäft"))),
        )
    )
    sections.append(
        PersonalDataSection(
            heading=_("Zugriffe auf meine Daten"),
            lines=tuple(_flat(export["access_log"], _("Zugriff"))),
        )
    )
    rendered = registry.get("documents.personal_data").call(
        PersonalDataRequest(
            title=_("Meine Daten im Einwohnerportal"),
            generated_at=export["generated_at"][:16].replace("T", " "),
            sections=tuple(sections),
        ),
        idempotency_key=f"export:{export['generated_at']}",
    )
    return rendered.content


def personal_data_export_request(
    *, user: User, fmt: str, language: str = "de"
) -> PersonalDataExport:
    """Ask for the export of everything about ``user`` as ``fmt`` (``json`` or ``pdf``): a
    pending ``PersonalDataExport`` of this host, built by a job after commit (it reads every
    commune's schema; a request never does). A second request while one is being built gets
    that one. ``ValueError`` for an unknown format, nothing written."""
    with transaction.atomic():
        export, new = data_export_open(user_id=user.pk, fmt=fmt)
        if new:
            enqueue_on_commit(BUILD_PERSONAL_DATA_EXPORT, str(export.pk), language)
    return export


def personal_data_export_build(*, export_id: str, language: str = "de") -> bool:
    """The job's part: build the pending export ``export_id`` of the current host's account
    and store it (encrypted, until it expires); ``False`` if there is nothing to build (done
    already, expired, or asked for on another host)."""
    export = data_export_to_build(export_id=export_id)
    if export is None:
        return False
    user = User.objects.filter(pk=export.user_id).first()
    if user is None:
        data_export_fail(export=export)
        return False
    try:
        with translation.override(language):
            data = personal_data_export(user=user)
            if export.format == PersonalDataExport.Format.PDF:
                content = personal_data_pdf(data)
            else:
                content = json.dumps(data, ensure_ascii=False, indent=2).encode()
    except Exception:
        # The person asks again (the page says so); a retry of the job would not do better.
        logger.exception("personal data export failed", extra={"export": export_id})
        data_export_fail(export=export)
        return False
    data_export_store(export=export, content=content)
    return True
