"""Submitting a case: validation, reference number, steps, permissions, first events."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.levels import level_satisfies
from accounts.logins import level_refusal_message, login_context
from accounts.models import User
from catalog.models import ServiceVersion, StepDefinition
from catalog.offers.models import ServiceOffer, Stage
from tenants.context import current_commune
from tenants.prepared import Kept, KeptChanged, PreparedSelect

from ..event_texts import CODE_KEY, PARAMS_KEY, event_text
from ..exceptions import ServiceNotOrderable
from ..models import Case, CaseStatus, CaseStep, Document, StepKind
from . import usage
from .batch import WriteBatch
from .core import (
    DEFAULT_GROUP_NAME,
    due_date_for,
    event_new,
    groups_grant_statement,
    notify_on_commit,
)
from .forms import OrderInvalid, order_validate
from .index import case_index_write
from .payments import payment_new
from .steps import case_advance
from .versions import published_version

ORDERABLE_STAGES = (Stage.FORM, Stage.AUTOMATED)


def reference_prefix() -> str:
    """First three letters of the commune's slug, upper-cased (``kriens`` → ``KRI``)."""
    commune = current_commune()
    letters = re.sub(r"[^a-z]", "", (commune.slug if commune else "").lower())
    return (letters[:3] or "LUZ").upper()


_NEXT_NUMBER_SQL = (
    "INSERT INTO cases_referencecounter AS c (year, last_number) VALUES (%s, 1) "
    "ON CONFLICT (year) DO UPDATE SET last_number = c.last_number + 1 RETURNING last_number"
)


def reference_next(*, year: int) -> str:
    """The next reference of this commune and year, e.g. ``KRI-2026-000123``.

    One upsert with a row lock: concurrent submissions queue on the year's counter row, and a
    rolled-back submission rolls its number back too, so the sequence has no gaps.
    """
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_NUMBER_SQL, [year])
        (number,) = cursor.fetchone()
    return f"{reference_prefix()}-{year}-{number:06d}"


def reference_in_batch(*, batch: WriteBatch, year: int) -> RawSQL:
    """Take the next number in ``batch`` (the upsert of ``reference_next``, gapless in the same
    way) and return the reference as an SQL expression for the case's INSERT that follows it in
    the batch; the reference text comes back from that INSERT."""
    batch.add(_NEXT_NUMBER_SQL, [year])
    return RawSQL(_REFERENCE_SQL, [f"{reference_prefix()}-{year}-", year])  # noqa: S611


# The number just taken by the upsert above it in the same transaction (row-locked by it).
_REFERENCE_SQL = (
    "(SELECT %s || lpad(last_number::text, 6, '0') FROM cases_referencecounter WHERE year = %s)"
)


_SUBMITTED_TEXT_SQL = "(SELECT %s || reference || %s FROM cases_case WHERE id = %s)"
_SUBMITTED_DETAILS_SQL = (
    "(SELECT %s::jsonb || jsonb_build_object(%s::text, jsonb_build_object('reference', reference)) "
    "FROM cases_case WHERE id = %s)"
)


def _submitted_text_parts() -> list[str]:
    """The German text of the ``submitted`` timeline code before and after the reference."""
    mark = "\x00"
    before, after = event_text("submitted", {"reference": mark}).split(mark)
    return [before, after]


# The published version of the offer's service, in the offer's query. Written as SQL: the same
# subquery through OuterRef/Subquery costs the ORM ~0.4 ms of CPU to compile on every order.
_CURRENT_VERSION_SQL = (
    f"SELECT v.id FROM {ServiceVersion._meta.db_table} v "  # noqa: S608 - table names only
    f'WHERE v.service_id = "{ServiceOffer._meta.db_table}"."service_id" AND v.status = %s '
    "LIMIT 1"
)


def _current_version() -> RawSQL:
    return RawSQL(_CURRENT_VERSION_SQL, [ServiceVersion.Status.PUBLISHED])  # noqa: S611 - constant


def _orderable_offer(service_key: str) -> QuerySet[ServiceOffer]:
    # One offer per service (one-to-one): no ordering to compile and sort.
    return (
        ServiceOffer.objects.select_related("service", "responsible_group")
        .filter(service__key=service_key, active=True)
        .annotate(published_version_id=_current_version())
        .order_by()[:1]
    )


# Compiled once per thread and commune schema; read fresh on every order.
_ORDERABLE_OFFER = PreparedSelect(_orderable_offer, "sample-service-key")


def offer_for_order(*, service_key: str) -> tuple[ServiceOffer, ServiceVersion]:
    """The commune's active offer of ``service_key`` and its published version, if orderable
    online; raises ServiceNotOrderable with a clear message otherwise."""
    offer, version, _kept = _offer_kept(service_key=service_key, fresh=True)
    return offer, version


def _offer_kept(*, service_key: str, fresh: bool) -> tuple[ServiceOffer, ServiceVersion, Kept]:
    """``offer_for_order`` from the offer this process last read (unless ``fresh``), with what
    re-reads it inside the order's transaction."""
    kept = _ORDERABLE_OFFER.kept(service_key, fresh=fresh)
    offer = kept.objects[0] if kept.objects else None
    refusal = _refusal(offer)
    if refusal is not None:
        raise refusal
    version, _definitions = published_version(offer.published_version_id)
    return offer, version, kept


def _refusal(offer: ServiceOffer | None) -> ServiceNotOrderable | None:
    if offer is None or offer.service.retired_at is not None:
        return ServiceNotOrderable(
            _("Diese Dienstleistung wird von Ihrer Gemeinde nicht online angeboten.")
        )
    if offer.stage not in ORDERABLE_STAGES:
        return ServiceNotOrderable(
            _(
                "Diese Dienstleistung bestellen Sie noch über den bisherigen Online-Schalter "
                "Ihrer Gemeinde."
            ),
            link_url=offer.link_url,
            code="link_only",
        )
    if offer.published_version_id is None:
        return ServiceNotOrderable(_("Für diese Dienstleistung gibt es zurzeit kein Formular."))
    return None


def order_level_check(*, user: User, version: ServiceVersion) -> None:
    """Refuse (ServiceNotOrderable, code ``auth_level``) when the user's login is below the
    quality the version needs; nothing is created then."""
    have = login_context(user).level
    if not level_satisfies(have, version.min_auth_level):
        raise ServiceNotOrderable(
            level_refusal_message(have=have, need=version.min_auth_level),
            code="auth_level",
            required_level=version.min_auth_level,
        )


def _document_from_upload(
    *, case: Case, field_key: str, upload: UploadedFile, user: User
) -> Document:
    # The forms engine has checked the real type (from the content) and the size already.
    content_type = getattr(upload, "detected_type", None) or "application/octet-stream"
    return Document.objects.create(
        case=case,
        kind=Document.Kind.UPLOAD,
        file=upload,
        name=upload.name[:200],
        content_type=content_type,
        size=upload.size,
        field_key=field_key,
        visible_to_resident=True,
        uploaded_by=user,
    )


def _steps_create(
    *, case: Case, definitions: list[StepDefinition], offer: ServiceOffer, batch: WriteBatch
) -> list[CaseStep]:
    """The case's steps from the version's definitions and the grants of their groups, added
    to ``batch`` (the steps get their ids when it runs)."""
    offer_group = offer.responsible_group.name if offer.responsible_group_id else ""
    if not definitions:
        # A version without declared steps still needs someone to handle it.
        definitions = [
            StepDefinition(
                position=1,
                key="pruefen-und-entscheiden",
                name_de="Prüfen und entscheiden",
                name_en="Review and decide",
                kind=StepKind.MANUAL,
                responsible_group=offer_group,
            )
        ]
    steps = [
        CaseStep(
            case=case,
            definition=d if d.pk else None,
            position=d.position,
            key=d.key,
            name_de=d.name_de,
            name_en=d.name_en,
            kind=d.kind,
            adapter_key=d.adapter_key,
            group_name=d.responsible_group or offer_group or DEFAULT_GROUP_NAME,
            idempotency_key=f"{case.pk}:{d.position}",
        )
        for d in definitions
    ]
    batch.insert(steps)
    batch.add(
        *groups_grant_statement(
            case=case,
            group_names={s.group_name for s in steps} | ({offer_group} if offer_group else set()),
        )
    )
    return steps


def _case_new(*, user: User, offer, version, data: dict, now, reference: Any) -> Case:
    """The new case (not yet saved) with its reference (text or SQL expression), fee (the
    commune's override, else the version's), verified identity of the login and due date."""
    fee = offer.fee_override if offer.fee_override is not None else version.fee
    case = Case(
        reference=reference,
        service=offer.service,
        version=version,
        stage=offer.stage,
        applicant=user,
        identity=login_context(user).as_case_identity(),
        data=data,
        fee=Decimal(fee).quantize(Decimal("0.01")),
        submitted_at=now,
        norm_days=version.service_norm_days,
    )
    case.due_date = due_date_for(case)
    return case


def _uploads_attach(*, case: Case, uploads: dict | None, user: User) -> None:
    """Store the order's uploads on the case; the form data points at their documents."""
    for field_key, upload in (uploads or {}).items():
        document = _document_from_upload(case=case, field_key=field_key, upload=upload, user=user)
        if isinstance(case.data.get(field_key), dict):
            case.data[field_key]["document"] = str(document.pk)
    if uploads:
        case.save(update_fields=["data"])


def case_submit(
    *,
    user: User,
    service_key: str,
    data: Any,
    files: Any = None,
    language: str = "de",
    checks: Sequence[Kept] = (),
) -> Case:
    """Order ``service_key`` for ``user``: validate the data with the service's form, create the
    case with its reference, steps and permissions, and start the first step.

    The login the user ordered in (``accounts.logins.login_context``) must reach the version's
    quality level; its level and verified claims are kept on the case as ``Case.identity``.

    Raises ServiceNotOrderable when the commune does not offer the service online (a ``link``
    stage names the old Online-Schalter) or the login is below the level (``auth_level``) and
    ``OrderInvalid`` with per-field errors for bad data; in both cases nothing is written.

    The offer is taken as this process last read it (``PreparedSelect.kept``; read now the
    first time) and the data validated before the transaction. The transaction's one round
    trip reads the offer again before its writes: if it changed meanwhile (another stage, a
    new version, retired, …), everything is rolled back and the order starts over from a
    fresh read (at most ``ORDER_ATTEMPTS`` times). A refusal (not offered, login too weak,
    invalid data) always rests on a fresh read: one from the kept offer is checked again.

    ``checks`` are rows the caller relied on (e.g. the API token as its process kept it,
    ``accounts.authentication``): read again in the same round trip; if they changed,
    ``KeptChanged`` (its ``kept`` one of them) reaches the caller and nothing is written.
    """
    for attempt in range(ORDER_ATTEMPTS):
        # First from the offer as this process last read it; after a change, read afresh.
        fresh = attempt > 0
        if fresh and files:
            _rewind(files)  # read by the validation before
        try:
            offer, version, kept = _offer_kept(service_key=service_key, fresh=fresh)
            order_level_check(user=user, version=version)
            json_data, uploads = order_validate(
                version=version, data=data, files=files, language=language
            )
        except (ServiceNotOrderable, OrderInvalid, ServiceVersion.DoesNotExist):
            if fresh:
                raise
            # A refusal always rests on a fresh read of the offer (the kept one may also name
            # a version deleted since).
            continue
        try:
            return _case_create(
                user=user,
                offer=offer,
                version=version,
                data=json_data,
                uploads=uploads,
                kept=[kept, *checks],
            )
        except KeptChanged as changed:
            if changed.kept is not kept:
                raise  # one of the caller's: its rows changed (everything was rolled back)
            continue  # the offer changed since it was read: everything was rolled back
    raise ServiceNotOrderable(
        _("Die Gemeinde ändert dieses Angebot gerade. Bitte versuchen Sie es gleich nochmals."),
        code="offer_changing",
    )


# A kept offer, then two fresh reads: more only if the commune changes it again and again
# within those milliseconds.
ORDER_ATTEMPTS = 3


def _rewind(files: Any) -> None:
    for key in files:
        for upload in files.getlist(key) if hasattr(files, "getlist") else [files[key]]:
            upload.seek(0)


@transaction.atomic
def _case_create(
    *,
    user: User,
    offer: ServiceOffer,
    version: ServiceVersion,
    data: dict,
    uploads: Any,
    kept: Sequence[Kept],
) -> Case:
    """The case of a validated order, with everything it starts with, in one transaction.

    The offer and the caller's rows (``kept``, maybe as this process read them for an earlier
    order) are read again first in the same round trip: if one changed, ``KeptChanged`` rolls
    everything back."""
    now = timezone.now()
    # The offer read again, the reference number, case, payment, steps, grants, first event
    # and usage count: one round trip. The reference is made in SQL from the number and comes
    # back from the INSERT.
    batch = WriteBatch()
    for rows in kept:
        batch.add(*rows.statement, rows.check)
    reference = reference_in_batch(batch=batch, year=timezone.localdate(now).year)
    case = _case_new(
        user=user, offer=offer, version=version, data=data, now=now, reference=reference
    )
    batch.insert([case], returning=["reference"])
    payment = payment_new(case=case)
    if payment is not None:
        batch.insert([payment])
    _version, definitions = published_version(version.pk)
    steps = _steps_create(case=case, definitions=definitions, offer=offer, batch=batch)
    submitted = event_new(
        case=case,
        actor=user,
        kind="submitted",
        # "Geschäft KRI-2026-000123 eingereicht", with the reference the case's INSERT made.
        text=RawSQL(_SUBMITTED_TEXT_SQL, [*_submitted_text_parts(), case.pk]),  # noqa: S611
        details={
            "service": offer.service.key,
            "version": version.number,
            "stage": offer.stage,
            "steps": [s.key for s in steps],
        },
        visible=True,
    )
    # The timeline code and its parameter (the reference made in SQL), for the English text.
    details = {**submitted.details, CODE_KEY: "submitted"}
    submitted.details = RawSQL(  # noqa: S611
        _SUBMITTED_DETAILS_SQL, [json.dumps(details), PARAMS_KEY, case.pk]
    )
    batch.insert([submitted], returning=["text"])
    batch.add(*usage.submitted_statement(case))
    # The confirmation mail's job (tenants.outbox) goes in front of the batch, in its round
    # trip; it leaves only if everything commits.
    notify_on_commit(recipient=user, case=case)
    batch.run()
    submitted.details = {**details, PARAMS_KEY: {"reference": case.reference}}
    _uploads_attach(case=case, uploads=uploads, user=user)
    case_advance(case=case, actor=user, now=now, steps=steps)
    if case.status == CaseStatus.SUBMITTED:  # unchanged: status_set did not index it
        case_index_write(case)
    return case
