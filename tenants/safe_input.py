"""Input that PostgreSQL or Python cannot take, recognised before it reaches a service.

- JSON nested deeper than ``MAX_JSON_DEPTH`` (no form of the portal needs more than a few
  levels; 1,000 levels end in a ``RecursionError`` otherwise);
- the NUL character (PostgreSQL refuses it in text and jsonb) and lone UTF-16 surrogates
  (``"\\ud800"`` is valid JSON but not encodable as UTF-8), in any key or value;
- query parameters given but empty where the API documents a value (``QuerySerializer``).

``config.api_input`` applies them to every request; apps use them for JSON they parse
themselves (e.g. the ``data`` part of a multipart order).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image
from rest_framework import serializers

MAX_JSON_DEPTH = 32
# Largest image accepted (pixels): an A4 page scanned at 600 dpi has about 35 million.
MAX_IMAGE_PIXELS = 50_000_000
_BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


class UnsafeInput(ValueError):
    """Input refused before it reaches a service; the message is for the user."""


def text_is_safe(value: str) -> bool:
    """True unless ``value`` holds a NUL character or a lone surrogate."""
    return _BAD_CHARACTERS.search(value) is None


def id_from_text(value: object) -> int | None:
    """A database id given as text (form field, query parameter): ASCII digits within
    PostgreSQL's integer range, else ``None`` (``"²"``, ``"abc"`` and ``"9" * 20`` included)."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= 2_147_483_647 else None


def json_check(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise ``UnsafeInput`` if parsed JSON is too deep or holds characters PostgreSQL refuses.
    Walks iteratively, so any depth is checked without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not text_is_safe(item):
                raise UnsafeInput(bad_characters_message())
        elif isinstance(item, dict | list):
            if depth > max_depth:
                raise UnsafeInput(
                    _("Die Angaben sind zu tief verschachtelt (höchstens %(depth)s Ebenen).")
                    % {"depth": max_depth}
                )
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)


def json_loads_checked(text: str | bytes) -> Any:
    """``json.loads`` that refuses what ``json_check`` refuses (``UnsafeInput``) and invalid
    JSON (``UnsafeInput`` too, with a German message)."""
    try:
        value = json.loads(text)
    except RecursionError as exc:
        raise UnsafeInput(
            _("Die Angaben sind zu tief verschachtelt (höchstens %(depth)s Ebenen).")
            % {"depth": MAX_JSON_DEPTH}
        ) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnsafeInput(_("Ungültiges JSON.")) from exc
    json_check(value)
    return value


def bad_characters_message() -> str:
    return _(
        "Die Angaben enthalten ein unzulässiges Zeichen (Nullzeichen oder ungültiges Unicode)."
    )


def image_check(upload, mime: str) -> None:
    """Refuse an image whose pixel dimensions are absurd (a 2 KB PNG can claim 40000×40000
    pixels and take gigabytes once decoded) or whose header cannot be read. Reads only the
    header; non-images pass. Raises Django's ``ValidationError``."""
    if not mime.startswith("image/"):
        return
    position = upload.tell()
    try:
        with Image.open(upload) as image:
            width, height = image.size
    except Image.DecompressionBombError as exc:  # Pillow's own limit, far above ours
        raise _image_too_large() from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("Das Bild kann nicht gelesen werden."), code="image_unreadable"
        ) from exc
    finally:
        upload.seek(position)
    if width * height > MAX_IMAGE_PIXELS:
        raise _image_too_large()


def _image_too_large() -> ValidationError:
    return ValidationError(
        _("Das Bild hat zu viele Pixel. Erlaubt sind höchstens %(megapixels)s Millionen Pixel."),
        code="image_too_large",
        params={"megapixels": MAX_IMAGE_PIXELS // 1_000_000},
    )


class QuerySerializer(serializers.Serializer):
    """Query parameters, validated and documented: a parameter that is given must have a
    valid value; ``?status=`` is refused, not taken as "no filter"."""

    def validate(self, attrs: dict) -> dict:
        errors = {
            name: [_("Dieser Parameter darf nicht leer sein.")]
            for name, field in self.fields.items()
            if self.initial_data.get(name, None) == "" and not getattr(field, "allow_blank", False)
        }
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
