"""The forms engine: form definitions (JSON, see ``catalog.models``) → validated Django forms.

Public surface::

    validate_definition(definition) -> None           # raises ValidationError (German)
    build_form(version, *, language="de") -> type[Form]
    cleaned_to_json(form) -> dict                      # answers, JSON-serialisable
    cleaned_files(form) -> dict[str, UploadedFile]     # uploads, stored by the caller
    data_for_display(definition, data, *, language="de") -> list[dict]

Render a form with ``{% include "catalog/form_fields.html" with form=form %}``.
"""

from .builder import (
    DefinitionForm,
    build_form,
    build_form_from_definition,
    cleaned_files,
    cleaned_to_json,
    data_for_display,
    text_in,
)
from .definition import FIELD_TYPES, FILE_TYPES, validate_definition

__all__ = [
    "FIELD_TYPES",
    "FILE_TYPES",
    "DefinitionForm",
    "build_form",
    "build_form_from_definition",
    "cleaned_files",
    "cleaned_to_json",
    "data_for_display",
    "text_in",
    "validate_definition",
]
