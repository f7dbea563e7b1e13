"""Drafts of order forms: saved unvalidated ("Als Entwurf speichern"), resumed prefilled,
submitted with the usual validation (the draft goes in the same transaction as the new case).

Drafts are offered on every order form (every order needs a login, so every form has an
owner). A draft keeps the raw inputs as typed, by input name, so partially invalid values
come back exactly as they were; only size and type are checked on saving. Uploads are kept
when their type and size pass the field's check; the others are named so the resident can
choose them again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.forms.utils import ErrorDict
from django.http import QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.formdefs import text_in
from catalog.models import ServiceVersion

from ..models import Case, Draft, DraftFile
from .forms import OrderInvalid, order_form_class
from .submit import case_submit, offer_for_order, order_level_check

# Retention: a draft nobody changed for this long is deleted (cases.services.retention).
DRAFT_RETENTION_DAYS = 90
# The order page's buttons and checkboxes (field keys start with a letter: no collision).
SAVE_FLAG = "_entwurf"
REMOVE_FILE = "_entwurf_datei_entfernen"
# Size safety: the longest form field allows 4,000 characters; a draft may hold more (it is not
# validated), but not without bound.
MAX_VALUE_CHARS = 20_000
MAX_VALUES_PER_INPUT = 100
MAX_DRAFT_CHARS = 400_000


class DraftRefused(ValidationError):
    """The draft is too large or not plain text; nothing was saved."""


@dataclass
class DraftSaved:
    """The saved draft and the uploads that were not kept ("label: reason")."""

    draft: Draft
    refused_files: list[str] = field(default_factory=list)


@dataclass
class DraftResume:
    """A draft opened on ``version`` (the current one): the inputs to show, the kept uploads of
    fields that still exist, and the labels of answers dropped because their field is gone."""

    draft: Draft
    data: QueryDict
    files: list[DraftFile]
    dropped: list[str]


def _field_types(definition: dict | None) -> dict[str, str]:
    return {spec["key"]: spec["type"] for spec in (definition or {}).get("fields", [])}


def _owning_key(name: str, types: dict[str, str]) -> str | None:
    """The field an input belongs to: its key, or an address part (``site_street``)."""
    if name in types:
        return name
    base, _sep, _part = name.rpartition("_")
    while base:
        if types.get(base) == "address":
            return base
        base, _sep, _part = base.rpartition("_")
    return None


def _items(data: Any, name: str) -> list:
    if hasattr(data, "getlist"):
        return data.getlist(name)
    value = data[name]
    if isinstance(value, dict):  # a JSON address: its parts become the inputs' values
        return [value]
    return value if isinstance(value, list) else [value]


def _raw_values(*, types: dict[str, str], labels: dict[str, str], data: Any) -> dict:
    """The inputs of the form's non-file fields as lists of strings, size-checked."""
    values: dict[str, list[str]] = {}
    total = 0
    for name in list(data.keys()) if hasattr(data, "keys") else []:
        key = _owning_key(str(name), types)
        if key is None or types[key] == "file":
            continue
        items = _items(data, name)
        if isinstance(items[0] if items else None, dict):  # JSON address → its parts
            for part, value in items[0].items():
                if isinstance(value, str):
                    values[f"{name}_{part}"] = [value]
            continue
        if not all(isinstance(item, str) for item in items):
            raise DraftRefused(
                _("«%(label)s»: Der Entwurf nimmt nur Text an.") % {"label": labels[key]},
                code="type",
            )
        too_long = any(len(item) > MAX_VALUE_CHARS for item in items)
        if too_long or len(items) > MAX_VALUES_PER_INPUT:
            raise DraftRefused(
                _("«%(label)s» ist zu lang, um als Entwurf gespeichert zu werden.")
                % {"label": labels[key]},
                code="too_large",
            )
        total += sum(len(item) for item in items)
        values[str(name)] = list(items)
    if total > MAX_DRAFT_CHARS:
        raise DraftRefused(
            _("Der Entwurf ist zu gross, um gespeichert zu werden."), code="too_large"
        )
    return values


def _files_delete_on_commit(names: list[str]) -> None:
    names = [n for n in names if n]
    if names:
        transaction.on_commit(lambda: [default_storage.delete(n) for n in names])


def _file_keep(*, draft: Draft, key: str, upload: UploadedFile) -> None:
    _files_delete_on_commit(list(draft.files.filter(field_key=key).values_list("file", flat=True)))
    draft.files.filter(field_key=key).delete()
    DraftFile.objects.create(
        draft=draft,
        field_key=key,
        file=upload,
        name=upload.name[:200],
        content_type=getattr(upload, "detected_type", None) or "application/octet-stream",
        size=upload.size,
    )


def _files_update(*, draft: Draft, form_class: type[forms.Form], data: Any, files: Any) -> list:
    """Keep the new uploads that pass the field's type and size check; drop those the resident
    removed and those of fields the current form no longer has."""
    refused = []
    remove = set(data.getlist(REMOVE_FILE)) if hasattr(data, "getlist") else set()
    file_fields = {key: f for key, f in form_class.base_fields.items() if f.field_type == "file"}
    for key, file_field in file_fields.items():
        upload = files.get(key) if files else None
        if upload:
            try:
                checked = file_field.clean(upload)
            except ValidationError as exc:
                refused.append(f"{file_field.label}: {' '.join(exc.messages)}")
                continue
            _file_keep(draft=draft, key=key, upload=checked)
        elif key in remove:
            gone = draft.files.filter(field_key=key)
            _files_delete_on_commit(list(gone.values_list("file", flat=True)))
            gone.delete()
    stale = draft.files.exclude(field_key__in=list(file_fields))
    _files_delete_on_commit(list(stale.values_list("file", flat=True)))
    stale.delete()
    return refused


def draft_save(
    *, user: User, service_key: str, data: Any, files: Any = None, language: str = "de"
) -> DraftSaved:
    """Save the order form's inputs as ``user``'s draft of ``service_key`` (one per service:
    a second save replaces the first), on the current version, without validating them.

    Raises ServiceNotOrderable like ordering does and DraftRefused for inputs that are too large
    or not text; then nothing is written. Uploads failing their type/size check are not kept and
    come back in ``refused_files``.
    """
    offer, version = offer_for_order(service_key=service_key)
    order_level_check(user=user, version=version)
    form_class = order_form_class(version, language=language)
    types = _field_types(version.form_definition)
    labels = {key: str(f.label) for key, f in form_class.base_fields.items()}
    values = _raw_values(types=types, labels=labels, data=data)
    now = timezone.now()
    with transaction.atomic():
        draft, created = Draft.objects.select_for_update().get_or_create(
            owner=user,
            service=offer.service,
            defaults={"version": version, "values": values, "updated_at": now},
        )
        if not created:
            draft.version, draft.values, draft.updated_at = version, values, now
            draft.save(update_fields=["version", "values", "updated_at"])
        refused = _files_update(draft=draft, form_class=form_class, data=data, files=files)
    return DraftSaved(draft=draft, refused_files=refused)


def draft_resume(*, draft: Draft, version: ServiceVersion, language: str = "de") -> DraftResume:
    """``draft`` opened on ``version``: answers whose field key still exists are kept; the
    others (and uploads of vanished file fields) are named in ``dropped``."""
    types = _field_types(version.form_definition)
    old_specs = {s["key"]: s for s in (draft.version.form_definition or {}).get("fields", [])}
    old_types = {key: spec["type"] for key, spec in old_specs.items()}
    data = QueryDict(mutable=True)
    dropped_keys: set[str] = set()
    for name, items in (draft.values or {}).items():
        key = _owning_key(name, types)
        if key is None or types[key] == "file":
            if any(item for item in items):
                dropped_keys.add(_owning_key(name, old_types) or name)
            continue
        data.setlist(name, items)
    kept = []
    for draft_file in draft.files.all():
        if types.get(draft_file.field_key) == "file":
            kept.append(draft_file)
        else:
            dropped_keys.add(draft_file.field_key)
    order = list(old_specs)
    dropped = [
        text_in(old_specs[key].get("label"), language) if key in old_specs else key
        for key in sorted(dropped_keys, key=lambda k: order.index(k) if k in order else -1)
    ]
    return DraftResume(draft=draft, data=data, files=kept, dropped=dropped)


def draft_form(*, form_class: type[forms.Form], data: Any) -> forms.Form:
    """The order form showing ``data`` exactly as typed, without validation messages: a draft
    is shown as it was saved, and checked only when it is submitted."""
    form = form_class(data=data)
    form._errors = ErrorDict()  # marks the form as checked with nothing to report
    form.cleaned_data = {}
    return form


def _draft_remove(draft: Draft) -> None:
    _files_delete_on_commit(list(draft.files.values_list("file", flat=True)))
    draft.delete()


def _files_with_draft(*, draft: Draft, data: Any, files: Any) -> tuple[MultiValueDict, set[str]]:
    """The request's uploads plus the draft's kept ones for file fields left empty (unless the
    resident ticked "remove"); also which keys came from the draft."""
    merged = MultiValueDict()
    if files:
        for key, uploads in files.lists() if hasattr(files, "lists") else files.items():
            merged.setlist(key, uploads if isinstance(uploads, list) else [uploads])
    remove = set(data.getlist(REMOVE_FILE)) if hasattr(data, "getlist") else set()
    from_draft = set()
    for draft_file in draft.files.all():
        if merged.get(draft_file.field_key) or draft_file.field_key in remove:
            continue
        with draft_file.file.open("rb") as handle:
            content = handle.read()
        merged[draft_file.field_key] = SimpleUploadedFile(
            draft_file.name, content, content_type=draft_file.content_type
        )
        from_draft.add(draft_file.field_key)
    return merged, from_draft


@transaction.atomic
def draft_submit(
    *, user: User, service_key: str, data: Any, files: Any = None, language: str = "de"
) -> Case:
    """Order ``service_key`` (``case_submit``, validated as usual); when ``user`` has a draft
    of it, its kept uploads fill the file fields left empty, and the draft is deleted in the
    same transaction as the case is created. On OrderInvalid the draft stays as it was."""
    draft = (
        Draft.objects.select_for_update()
        .filter(owner=user, service__key=service_key)
        .prefetch_related("files")
        .first()
    )
    from_draft: set[str] = set()
    if draft is not None:
        files, from_draft = _files_with_draft(draft=draft, data=data, files=files)
    try:
        case = case_submit(
            user=user, service_key=service_key, data=data, files=files, language=language
        )
    except OrderInvalid as exc:
        # The draft still holds these uploads: the page must not ask to choose them again.
        for key in from_draft:
            exc.form.files.pop(key, None)
        raise
    if draft is not None:
        _draft_remove(draft)
    return case


def draft_delete(*, draft: Draft) -> None:
    """Delete a draft with its kept uploads (the caller fetched it for its owner)."""
    with transaction.atomic():
        _draft_remove(draft)


def drafts_delete_for_owner(*, user: User) -> int:
    """Delete all of ``user``'s drafts in the current commune (closing the account: a draft
    never reached the administration, nothing of it has to stay); returns how many."""
    drafts = Draft.objects.filter(owner=user)
    with transaction.atomic():
        _files_delete_on_commit(
            list(DraftFile.objects.filter(draft__in=drafts).values_list("file", flat=True))
        )
        DraftFile.objects.filter(draft__in=drafts).delete()
        deleted, _by_model = drafts.delete()
    return deleted


def draft_plain(draft: Draft) -> dict[str, Any]:
    """A draft as JSON-safe data for the resident's data export."""
    return {
        "service": draft.service.key,
        "saved_at": draft.updated_at.isoformat(),
        "values": draft.values,
        "files": [
            {"field": f.field_key, "name": f.name, "size": f.size} for f in draft.files.all()
        ],
    }


def drafts_expire(*, now: dt.datetime, dry_run: bool = False) -> int:
    """Delete (or count) the drafts of the current commune unchanged for
    ``DRAFT_RETENTION_DAYS``, with their uploads; returns how many."""
    due = Draft.objects.filter(updated_at__lte=now - dt.timedelta(days=DRAFT_RETENTION_DAYS))
    if dry_run:
        return due.count()
    with transaction.atomic():
        names = list(DraftFile.objects.filter(draft__in=due).values_list("file", flat=True))
        _files_delete_on_commit(names)
        DraftFile.objects.filter(draft__in=due).delete()
        deleted, _by_model = due.delete()
    return deleted
