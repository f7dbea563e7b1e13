"""The order form of a service version, validated by the catalogue's forms engine."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from catalog.formdefs import build_form, cleaned_files, cleaned_to_json
from catalog.models import ServiceVersion

from .identity import profile_identity
from .versions import published_version


class OrderInvalid(ValidationError):
    """The order data failed validation; ``form`` is the bound form with per-field errors."""

    api_status = 400  # the API's answer (config.api_errors): the errors under "data"

    def __init__(self, form: forms.Form) -> None:
        self.form = form
        super().__init__(self.field_errors)

    def api_body(self) -> dict:
        return {"data": self.field_errors}

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """``{"field_key": ["German message", …]}``; form-wide errors under ``non_field_errors``."""
        return {
            ("non_field_errors" if key == "__all__" else key): [e["message"] for e in errors]
            for key, errors in self.form.errors.get_json_data().items()
        }


def order_form_class(version: ServiceVersion, *, language: str = "de") -> type[forms.Form]:
    """The Django form class generated from the version's form definition."""
    if version.pk is None or version.status == ServiceVersion.Status.DRAFT:
        return build_form(version, language=language)
    return _published_form_class(version.pk, language)


@lru_cache(maxsize=512)
def _published_form_class(version_id: int, language: str) -> type[forms.Form]:
    """The form class of a published version, built once per process and language: a published
    version is immutable (``versions.published_version`` keeps it alike), and each form
    instance copies the class's fields, so one class serves every order."""
    version, _steps = published_version(version_id)
    return build_form(version, language=language)


def order_initial(*, form_class: type[forms.Form], user) -> dict[str, Any]:
    """Initial values of the order form: the fields with ``prefill`` from ``user``'s identity
    (the residents' profile)."""
    initial_from = getattr(form_class, "initial_from", None)
    if initial_from is None or not user.is_authenticated:
        return {}
    return initial_from(profile_identity(user=user))


def order_validate(
    *,
    version: ServiceVersion,
    data: Any,
    files: Any = None,
    language: str = "de",
) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Validate order data; return (JSON answers, uploads by field key) or raise OrderInvalid."""
    if not isinstance(data, dict) and not hasattr(data, "getlist"):
        data = {}
    form = order_form_class(version, language=language)(data=data, files=files)
    if not form.is_valid():
        raise OrderInvalid(form)
    return cleaned_to_json(form), cleaned_files(form)
