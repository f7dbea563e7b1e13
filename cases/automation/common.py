"""Shared pieces of the step handlers: adapter calls with the error mapping, plain data, the
documents a step attaches to its case."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from catalog.models import adapter_reads_register
from integrations import registry
from integrations.base import IntegrationError, PermanentError, TransientError
from integrations.registry import UnknownAdapter
from tenants.context import current_commune
from tenants.models import Commune

from ..handlers import PermanentStepError, StepCall, TransientStepError, access_note
from ..models import Case, Document

# Adapters that only read from a register (everything else reports to one).
REGISTER_READ_SUFFIXES = (".identify", ".residence")
# Refusals of the adapter before anything went to the register: no access to record.
NOT_SENT_CODES = ("unknown_attribute",)


def adapter_call(key: str, request: Any, *, idempotency_key: str) -> Any:
    """Call the integrations' adapter ``key`` once; its ``TransientError`` becomes
    ``TransientStepError`` and ``PermanentError`` ``PermanentStepError`` (German message, code
    and details kept)."""
    try:
        adapter = registry.get(key)
    except UnknownAdapter as exc:
        raise PermanentStepError(str(exc), code="unknown_adapter") from exc
    register = adapter_reads_register(key)
    try:
        result = adapter.call(request, idempotency_key=idempotency_key)
    except (TransientError, PermanentError) as exc:
        if register and exc.code not in NOT_SENT_CODES:
            _access_note(key, request, None)
        if isinstance(exc, TransientError):
            raise TransientStepError(exc.message, code=exc.code, details=exc.details) from exc
        raise PermanentStepError(exc.message, code=exc.code, details=exc.details) from exc
    except IntegrationError as exc:  # pragma: no cover - only the two kinds exist
        raise PermanentStepError(exc.message, code=exc.code, details=exc.details) from exc
    if register:
        _access_note(key, request, result)
    return result


def _access_note(key: str, request: Any, result: Any) -> None:
    """Note the register access for the access log: a write when the register answers with a
    message id (an event was reported), else a read of the attributes the request asked for
    (a request without ``attributes``: those of the answer)."""
    message_id = str(getattr(result, "message_id", "") or "")
    kind = "read" if key.endswith(REGISTER_READ_SUFFIXES) and not message_id else "write"
    requested = list(getattr(request, "attributes", None) or ())
    sent = request if kind == "write" or result is None else result
    attributes = (
        [f.name for f in dataclasses.fields(sent) if not isinstance(getattr(sent, f.name), bytes)]
        if dataclasses.is_dataclass(sent)
        else []
    )
    if kind == "read" and requested:
        attributes = requested
    access_note(register=key, kind=kind, attributes=attributes, message_id=message_id)


def person_answered(person: Any, attributes: tuple[str, ...]) -> dict[str, Any]:
    """The register's person as a step output: with ``attributes``, only those (the register
    also echoes the identifying ones; they are kept only when asked for), else all of it."""
    data = plain(person)
    if not attributes:
        return data
    return {k: v for k, v in data.items() if k in attributes}


def plain(value: Any) -> Any:
    """JSON-safe copy: dataclasses as dicts, dates as ISO strings, Decimals as strings, bytes
    dropped (they are stored as documents, not in a step's output)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not isinstance(getattr(value, f.name), bytes)
        }
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if not isinstance(v, bytes)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def commune_required() -> Commune:
    commune = current_commune()
    if commune is None:
        raise PermanentStepError("Der Schritt läuft ausserhalb einer Gemeinde.", code="no_commune")
    return commune


def case_of(call: StepCall) -> Case:
    return Case.objects.select_related("service", "version").get(pk=call.case_id)


def person_from(call: StepCall) -> dict[str, Any] | None:
    """The register's person from an earlier identification step, if any."""
    for output in call.previous_outputs.values():
        if isinstance(output, dict) and isinstance(output.get("person"), dict):
            return output["person"]
    return None


def person_required(call: StepCall) -> dict[str, Any]:
    person = person_from(call)
    if person is None:
        raise PermanentStepError(
            "Die Person wurde in diesem Geschäft noch nicht im Einwohnerregister identifiziert.",
            code="not_identified",
        )
    return person


def date_of(value: Any, *, label: str, required: bool = True) -> dt.date | None:
    """An ISO date from form or register data; ``PermanentStepError`` when missing/invalid."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        if not required and not value:
            return None
        raise PermanentStepError(
            f"Angabe «{label}» fehlt oder ist kein Datum.", code="invalid_data"
        ) from None


def slug_of(reference: str) -> str:
    return "".join(c for c in reference if c.isalnum() or c in "-_") or "geschaeft"


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
    step finds the document it stored before instead of storing a second one, and of two runs
    racing, the second finds the first's (unique ``document_generated_unique``)."""
    existing = _generated(case=case, step_key=step_key, name=name)
    if existing is not None:
        return existing
    document = Document(
        case=case,
        kind=Document.Kind.GENERATED,
        file=ContentFile(content, name=name),
        name=name,
        content_type=content_type,
        size=len(content),
        field_key=step_key,
        visible_to_resident=visible_to_resident,
    )
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        # The other run committed the same document while this one wrote its file: keep
        # theirs and drop the file nothing points at.
        document.file.delete(save=False)
        existing = _generated(case=case, step_key=step_key, name=name)
        if existing is None:
            raise
        return existing
    return document


def _generated(*, case: Case, step_key: str, name: str) -> Document | None:
    return Document.objects.filter(
        case=case, kind=Document.Kind.GENERATED, field_key=step_key, name=name
    ).first()
