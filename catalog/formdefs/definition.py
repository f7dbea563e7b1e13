"""Validation of a form definition (see ``catalog.models`` for the format)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError

from accounts.selectors import IDENTITY_KEYS

FIELD_TYPES = (
    "text",
    "long_text",
    "number",
    "date",
    "choice",
    "multi_choice",
    "yes_no",
    "email",
    "phone",
    "plate",
    "ahv",
    "iban",
    "address",
    "file",
)

# Types a file field may allow; detected from the content (``filetype``), never the file name.
FILE_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/heic": "HEIC",
    "image/tiff": "TIFF",
    "image/webp": "WebP",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (DOCX)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (XLSX)",
    "application/vnd.oasis.opendocument.text": "OpenDocument-Text",
}
DEFAULT_FILE_TYPES = ["application/pdf", "image/jpeg", "image/png"]
MAX_FILE_SIZE_MB = 20
DEFAULT_FILE_SIZE_MB = 10

COMMON_KEYS = {"key", "type", "required", "label", "help", "show_if", "prefill"}
# What ``prefill`` may name: keys of the applicant's identity (``accounts.selectors``),
# whose values become the field's initial value on the order page.
PREFILL_KEYS = IDENTITY_KEYS
EXTRA_KEYS = {
    "text": {"max_length", "min_length"},
    "long_text": {"max_length", "min_length"},
    "number": {"min", "max", "decimals"},
    "date": {"min", "max"},
    "choice": {"choices"},
    "multi_choice": {"choices", "min", "max"},
    "file": {"allowed_types", "max_size_mb"},
}
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _date_limit(value: Any) -> bool:
    if value == "today":
        return True
    try:
        datetime.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _check_text(value: Any) -> bool:
    """A translatable text: ``{"de": "…", "en": "…"}`` with a non-empty German text."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("de"), str)
        and bool(value["de"].strip())
        and all(isinstance(v, str) for v in value.values())
    )


def _field_errors(field: Any, index: int, seen: dict[str, dict]) -> list[str]:
    if not isinstance(field, dict):
        return [f"Feld {index}: muss ein Objekt sein."]
    key = field.get("key")
    where = f"Feld {index} ({key})" if isinstance(key, str) and key else f"Feld {index}"
    errors: list[str] = []
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        errors.append(
            f"{where}: Schlüssel fehlt oder ist ungültig (Kleinbuchstaben, Ziffern und _, "
            "beginnend mit einem Buchstaben, höchstens 60 Zeichen)."
        )
    elif key in seen:
        errors.append(f"{where}: Der Schlüssel «{key}» kommt mehrfach vor.")
    ftype = field.get("type")
    if ftype not in FIELD_TYPES:
        errors.append(
            f"{where}: Unbekannter Feldtyp «{ftype}». Erlaubt sind: {', '.join(FIELD_TYPES)}."
        )
        return errors
    unknown = set(field) - COMMON_KEYS - EXTRA_KEYS.get(ftype, set())
    if unknown:
        errors.append(
            f"{where}: Unbekannte Angabe(n) für den Typ {ftype}: {', '.join(sorted(unknown))}."
        )
    if not _check_text(field.get("label")):
        errors.append(f"{where}: Die Beschriftung (label) braucht mindestens einen deutschen Text.")
    if "help" in field and not (
        isinstance(field["help"], dict) and all(isinstance(v, str) for v in field["help"].values())
    ):
        errors.append(f"{where}: Der Hilfetext (help) muss ein Objekt mit Texten je Sprache sein.")
    if "required" in field and not isinstance(field["required"], bool):
        errors.append(f"{where}: «required» muss true oder false sein.")

    errors += _type_errors(field, ftype, where)
    if "show_if" in field:
        errors += _show_if_errors(field["show_if"], where, seen)
    if "prefill" in field and field["prefill"] not in PREFILL_KEYS:
        errors.append(
            f"{where}: «prefill» muss eine Angabe aus dem Profil sein: {', '.join(PREFILL_KEYS)}."
        )
    return errors


def _type_errors(field: dict, ftype: str, where: str) -> list[str]:
    """The errors of the type-specific keys (choices, lengths, limits, file types)."""
    errors: list[str] = []
    if ftype in ("choice", "multi_choice"):
        errors += _choice_errors(field.get("choices"), where)
    if ftype in ("text", "long_text"):
        for name in ("min_length", "max_length"):
            if name in field and (
                not isinstance(field[name], int) or isinstance(field[name], bool) or field[name] < 1
            ):
                errors.append(f"{where}: «{name}» muss eine positive ganze Zahl sein.")
        if field.get("max_length", 0) > 10000:
            errors.append(f"{where}: «max_length» darf höchstens 10000 sein.")
        errors += _order_errors(field, "min_length", "max_length", where)
    if ftype in ("number", "multi_choice"):
        for name in ("min", "max"):
            if name in field and not _is_number(field[name]):
                errors.append(f"{where}: «{name}» muss eine Zahl sein.")
        if ftype == "number" and "decimals" in field and field["decimals"] not in range(0, 5):
            errors.append(f"{where}: «decimals» muss eine ganze Zahl zwischen 0 und 4 sein.")
        if ftype == "multi_choice":
            for name in ("min", "max"):
                if name in field and (not isinstance(field[name], int) or field[name] < 0):
                    errors.append(f"{where}: «{name}» muss eine ganze Zahl ab 0 sein.")
        errors += _order_errors(field, "min", "max", where)
    if ftype == "date":
        for name in ("min", "max"):
            if name in field and not _date_limit(field[name]):
                errors.append(f"{where}: «{name}» muss ein Datum (JJJJ-MM-TT) oder «today» sein.")
    if ftype == "file":
        errors += _file_errors(field, where)
    return errors


def _order_errors(field: dict, low: str, high: str, where: str) -> list[str]:
    a, b = field.get(low), field.get(high)
    if _is_number(a) and _is_number(b) and a > b:
        return [f"{where}: «{low}» ({a}) ist grösser als «{high}» ({b})."]
    return []


def _choice_errors(choices: Any, where: str) -> list[str]:
    if not isinstance(choices, list) or not choices:
        return [f"{where}: Eine Auswahl braucht mindestens eine Option (choices)."]
    errors: list[str] = []
    values: set[str] = set()
    for n, choice in enumerate(choices, start=1):
        if not isinstance(choice, dict) or not isinstance(choice.get("value"), str):
            errors.append(f"{where}: Option {n} braucht einen Wert (value) als Text.")
            continue
        if choice["value"] in values:
            errors.append(f"{where}: Der Wert «{choice['value']}» kommt mehrfach vor.")
        values.add(choice["value"])
        if not _check_text(choice.get("label")):
            errors.append(
                f"{where}: Option «{choice['value']}» braucht eine deutsche Beschriftung."
            )
    return errors


def _file_errors(field: dict, where: str) -> list[str]:
    errors: list[str] = []
    types = field.get("allowed_types", DEFAULT_FILE_TYPES)
    if not isinstance(types, list) or not types:
        errors.append(f"{where}: «allowed_types» muss eine nicht leere Liste sein.")
    else:
        bad = [t for t in types if t not in FILE_TYPES]
        if bad:
            errors.append(
                f"{where}: Nicht unterstützte Dateitypen: {', '.join(map(str, bad))}. "
                f"Möglich sind: {', '.join(FILE_TYPES)}."
            )
    size = field.get("max_size_mb", DEFAULT_FILE_SIZE_MB)
    if not _is_number(size) or not 0 < size <= MAX_FILE_SIZE_MB:
        errors.append(
            f"{where}: «max_size_mb» muss eine Zahl grösser als 0 und höchstens "
            f"{MAX_FILE_SIZE_MB} sein."
        )
    return errors


def _show_if_errors(show_if: Any, where: str, seen: dict[str, dict]) -> list[str]:
    if not isinstance(show_if, dict) or set(show_if) != {"field", "equals"}:
        return [f"{where}: «show_if» braucht genau «field» und «equals»."]
    target = seen.get(show_if["field"])
    if target is None:
        return [
            f"{where}: «show_if» verweist auf «{show_if['field']}», das es vor diesem Feld "
            "nicht gibt (Bedingungen dürfen nur auf frühere Felder verweisen)."
        ]
    equals = show_if["equals"]
    if target.get("type") == "yes_no" and not isinstance(equals, bool):
        return [f"{where}: «show_if.equals» muss bei einem Ja/Nein-Feld true oder false sein."]
    if target.get("type") in ("choice", "multi_choice"):
        values = {c.get("value") for c in target.get("choices") or [] if isinstance(c, dict)}
        if equals not in values:
            return [
                f"{where}: «show_if.equals» ({equals}) ist keine Option von «{show_if['field']}»."
            ]
    if target.get("type") in ("file", "address"):
        return [
            f"{where}: Eine Bedingung kann nicht von einem Feld vom Typ {target['type']} abhängen."
        ]
    return []


def validate_definition(definition: dict) -> None:
    """Raise ``ValidationError`` (all problems, German) unless ``definition`` is a valid form."""
    if not isinstance(definition, dict):
        raise ValidationError("Die Formulardefinition muss ein Objekt sein.")
    unknown = set(definition) - {"fields"}
    fields = definition.get("fields", [])
    errors: list[str] = []
    if unknown:
        errors.append(
            f"Unbekannte Angabe(n) in der Formulardefinition: {', '.join(sorted(unknown))}."
        )
    if not isinstance(fields, list):
        raise ValidationError("«fields» muss eine Liste von Feldern sein.")
    seen: dict[str, dict] = {}
    for index, field in enumerate(fields, start=1):
        errors += _field_errors(field, index, seen)
        if isinstance(field, dict) and isinstance(field.get("key"), str):
            seen.setdefault(field["key"], field)
    if errors:
        raise ValidationError(errors)
