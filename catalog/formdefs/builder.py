"""Django form classes generated from a service version's form definition."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .checks import format_iban
from .definition import DEFAULT_FILE_SIZE_MB, DEFAULT_FILE_TYPES
from .fields import (
    REQUIRED,
    REQUIRED_BY_TYPE,
    AddressField,
    AHVField,
    CheckedFileField,
    IBANField,
    LocalNumberField,
    SwissPhoneField,
    SwissPlateField,
    YesNoField,
    to_decimal,
)

if TYPE_CHECKING:
    from catalog.models import ServiceVersion


def text_in(value: Any, language: str) -> str:
    """The text of a ``{"de": …, "en": …}`` object in ``language``, falling back to German."""
    if isinstance(value, dict):
        return value.get(language) or value.get("de") or ""
    return str(value or "")


class DefinitionBoundField(forms.BoundField):
    """Links help text and error messages to the input (``aria-describedby``)."""

    def describedby(self) -> str:
        ids = []
        if self.full_help:
            ids.append(f"{self.auto_id}-help")
        if self.errors:
            ids.append(f"{self.auto_id}-error")
        return " ".join(ids)

    @property
    def full_help(self) -> str:
        """Help text, the ``show_if`` hint and, for uploads, the allowed types and size."""
        parts = [str(getattr(self.field, "condition_hint", "")), str(self.help_text or "")]
        if getattr(self.field, "field_type", "") == "file":
            parts.append(
                str(_("Erlaubt: %(types)s, höchstens %(size)s MB."))
                % {"types": self.field.type_names(), "size": f"{self.field.max_size_mb:g}"}
            )
        return " ".join(p for p in parts if p)

    @property
    def reattach_name(self) -> str:
        """The name of a file that came with a submit that failed on another field: browsers
        cannot keep a chosen file across a page load, so the page asks to choose it again."""
        if getattr(self.field, "field_type", "") != "file" or not self.form.is_bound:
            return ""
        if not self.form.errors or self.errors:
            return ""
        upload = self.form.files.get(self.html_name)
        return str(getattr(upload, "name", "") or "")

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        attrs.pop("aria-describedby", None)
        if not self.use_fieldset and self.describedby():
            attrs["aria-describedby"] = self.describedby()
        if self.errors:
            attrs["aria-invalid"] = "true"
        return attrs


def _date_limit(value: Any) -> datetime.date | None:
    if value is None:
        return None
    if value == "today":
        return timezone.localdate()
    return datetime.date.fromisoformat(str(value))


class DefinitionDateField(forms.DateField):
    def __init__(self, *, min_date: Any = None, max_date: Any = None, **kwargs):
        self.min_date, self.max_date = min_date, max_date
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        kwargs.setdefault(
            "error_messages",
            {"invalid": _("Bitte geben Sie ein gültiges Datum ein, z. B. 31.12.2026.")},
        )
        super().__init__(input_formats=["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"], **kwargs)

    def validate(self, value):
        super().validate(value)
        low, high = _date_limit(self.min_date), _date_limit(self.max_date)
        if value and low and value < low:
            raise ValidationError(
                _("Das Datum darf nicht vor dem %(date)s liegen."),
                code="min",
                params={"date": low.strftime("%d.%m.%Y")},
            )
        if value and high and value > high:
            raise ValidationError(
                _("Das Datum darf nicht nach dem %(date)s liegen."),
                code="max",
                params={"date": high.strftime("%d.%m.%Y")},
            )


def _choices(spec: dict, language: str) -> list[tuple[str, str]]:
    return [(c["value"], text_in(c["label"], language)) for c in spec.get("choices", [])]


def _options_text(choices: list[tuple[str, str]]) -> str:
    """The options for an error message: «label» (value), … (``%`` escaped: Django formats
    the message with the submitted value afterwards)."""
    text = ", ".join(f"«{label}» ({value})" for value, label in choices)
    return text.replace("%", "%%")


def _text_field(spec: dict, ftype: str, common: dict[str, Any]) -> forms.Field:
    field = forms.CharField(
        max_length=spec.get("max_length", 200 if ftype == "text" else 4000),
        min_length=spec.get("min_length"),
        widget=forms.Textarea(attrs={"rows": 5}) if ftype == "long_text" else None,
        **common,
    )
    field.error_messages["max_length"] = _(
        "Bitte höchstens %(limit_value)d Zeichen (jetzt %(show_value)d)."
    )
    field.error_messages["min_length"] = _(
        "Bitte mindestens %(limit_value)d Zeichen (jetzt %(show_value)d)."
    )
    return field


def _number_field(spec: dict, common: dict[str, Any]) -> forms.Field:
    field = LocalNumberField(
        decimals=spec.get("decimals", 0),
        min_value=to_decimal(spec["min"]) if "min" in spec else None,
        max_value=to_decimal(spec["max"]) if "max" in spec else None,
        **common,
    )
    field.error_messages["min_value"] = _("Bitte geben Sie mindestens %(limit_value)s ein.")
    field.error_messages["max_value"] = _("Bitte geben Sie höchstens %(limit_value)s ein.")
    return field


def _choice_field(spec: dict, language: str, common: dict[str, Any]) -> forms.Field:
    choices = _choices(spec, language)
    many = len(choices) > 5
    field = forms.ChoiceField(
        choices=[("", _("Bitte wählen")), *choices] if many else choices,
        widget=forms.Select if many else forms.RadioSelect,
        **common,
    )
    field.error_messages["invalid_choice"] = format_lazy(
        _("Bitte wählen Sie eine der angebotenen Optionen: {options}."),
        options=_options_text(choices),
    )
    return field


def _multi_choice_field(spec: dict, language: str, common: dict[str, Any]) -> forms.Field:
    choices = _choices(spec, language)
    field = forms.MultipleChoiceField(
        choices=choices, widget=forms.CheckboxSelectMultiple, **common
    )
    field.error_messages["invalid_choice"] = format_lazy(
        _("Bitte wählen Sie nur angebotene Optionen: {options}."),
        options=_options_text(choices),
    )
    field.min_choices, field.max_choices = spec.get("min"), spec.get("max")
    return field


def _make_field(spec: dict, language: str) -> forms.Field:
    ftype = spec["type"]
    common: dict[str, Any] = {
        "label": text_in(spec.get("label"), language),
        "help_text": text_in(spec.get("help"), language),
        "required": bool(spec.get("required", False)) and "show_if" not in spec,
        "error_messages": {"required": REQUIRED_BY_TYPE.get(ftype, REQUIRED)},
    }
    if ftype in ("text", "long_text"):
        field = _text_field(spec, ftype, common)
    elif ftype == "number":
        field = _number_field(spec, common)
    elif ftype == "date":
        field = DefinitionDateField(min_date=spec.get("min"), max_date=spec.get("max"), **common)
    elif ftype == "choice":
        field = _choice_field(spec, language, common)
    elif ftype == "multi_choice":
        field = _multi_choice_field(spec, language, common)
    elif ftype == "yes_no":
        field = YesNoField(**common)
    elif ftype == "email":
        field = forms.EmailField(max_length=254, **common)
        field.error_messages["invalid"] = _(
            "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.ch."
        )
    elif ftype == "phone":
        field = SwissPhoneField(**common)
    elif ftype == "plate":
        field = SwissPlateField(**common)
    elif ftype == "ahv":
        field = AHVField(**common)
    elif ftype == "iban":
        field = IBANField(**common)
    elif ftype == "address":
        field = AddressField(**common)
    elif ftype == "file":
        field = CheckedFileField(
            allowed_types=spec.get("allowed_types", DEFAULT_FILE_TYPES),
            max_size_mb=spec.get("max_size_mb", DEFAULT_FILE_SIZE_MB),
            **common,
        )
    else:  # validate_definition keeps unknown types out of published versions
        raise ValueError(f"unknown field type {ftype!r}")
    field.field_type = ftype
    field.spec = spec
    field.required_when_shown = bool(spec.get("required", False))
    field.show_if = spec.get("show_if")
    field.prefill = spec.get("prefill", "")
    return field


def _condition_met(show_if: dict, value: Any) -> bool:
    expected = show_if["equals"]
    if isinstance(value, list):
        return expected in value
    if isinstance(value, bool) or isinstance(expected, bool):
        return value is expected
    if isinstance(value, Decimal):
        return value == to_decimal(expected)
    if isinstance(value, datetime.date):
        return value.isoformat() == str(expected)
    return value is not None and str(value) == str(expected)


# The hint beside a field with ``show_if``, read without JavaScript (which hides the field
# instead), worded after what the visitor did in the field it depends on.
CONDITION_HINTS = {
    "yes_no": _("Nur ausfüllen, wenn Sie bei «%(label)s» «%(value)s» gewählt haben."),
    "choice": _("Nur ausfüllen, wenn Sie bei «%(label)s» «%(value)s» gewählt haben."),
    "multi_choice": _("Nur ausfüllen, wenn Sie bei «%(label)s» «%(value)s» angekreuzt haben."),
}
CONDITION_HINT_OTHER = _("Nur ausfüllen, wenn bei «%(label)s» «%(value)s» steht.")


class DefinitionForm(forms.Form):
    """Base of every generated form; applies ``show_if`` and per-type checks after cleaning."""

    definition: dict = {}
    language: str = "de"
    bound_field_class = DefinitionBoundField
    use_required_attribute = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.show_if:
                controller = self.fields.get(field.show_if["field"])
                hint = CONDITION_HINTS.get(
                    getattr(controller, "field_type", ""), CONDITION_HINT_OTHER
                ) % {
                    "label": controller.label if controller else field.show_if["field"],
                    "value": self._display_equals(controller, field.show_if["equals"]),
                }
                field.condition_hint = hint
            else:
                field.condition_hint = ""
            field.widget.attrs.setdefault("data-field", name)

    @staticmethod
    def _display_equals(controller, value) -> str:
        if value is True:
            return str(_("Ja"))
        if value is False:
            return str(_("Nein"))
        for choice_value, label in getattr(controller, "choices", []) or []:
            if choice_value == value:
                return str(label)
        return str(value)

    @classmethod
    def initial_from(cls, profile: dict[str, str]) -> dict[str, str]:
        """Initial values of the fields with ``prefill`` from the applicant's ``profile``
        (a choice only when the value is one of its options)."""
        initial = {}
        for name, field in cls.base_fields.items():
            value = profile.get(field.prefill) if field.prefill else None
            if not value:
                continue
            if field.field_type == "choice" and value not in dict(field.choices):
                continue
            initial[name] = value
        return initial

    def hidden_keys(self) -> set[str]:
        """Keys of fields whose ``show_if`` condition is not met by the submitted data."""
        hidden: set[str] = set()
        for name, field in self.fields.items():
            if not field.show_if:
                continue
            controller = field.show_if["field"]
            if controller in hidden:
                hidden.add(name)
                continue
            if not _condition_met(field.show_if, self.cleaned_data.get(controller)):
                hidden.add(name)
        return hidden

    def clean(self):
        cleaned = super().clean()
        hidden = self.hidden_keys()
        for name, field in self.fields.items():
            if name in hidden:
                cleaned.pop(name, None)
                self._errors.pop(name, None)
                continue
            value = cleaned.get(name)
            empty = value in (None, "", [], {})
            if field.show_if and field.required_when_shown and empty and name not in self._errors:
                message = REQUIRED_BY_TYPE.get(field.field_type, REQUIRED)
                self.add_error(name, ValidationError(message, code="required"))
            if field.field_type == "multi_choice" and name in cleaned:
                self._check_choice_count(name, field, value or [])
        return cleaned

    def _check_choice_count(self, name: str, field, value: list) -> None:
        if field.min_choices and value and len(value) < field.min_choices:
            self.add_error(
                name,
                _("Bitte wählen Sie mindestens %(n)s Optionen.") % {"n": field.min_choices},
            )
        elif field.max_choices and len(value) > field.max_choices:
            self.add_error(
                name,
                _("Bitte wählen Sie höchstens %(n)s Optionen.") % {"n": field.max_choices},
            )


def build_form_from_definition(definition: dict, *, language: str = "de") -> type[DefinitionForm]:
    """A form class for a (validated) form definition."""
    attrs: dict[str, Any] = {"definition": definition, "language": language}
    for spec in definition.get("fields", []):
        attrs[spec["key"]] = _make_field(spec, language)
    return type("ServiceForm", (DefinitionForm,), attrs)


def build_form(version: ServiceVersion, *, language: str = "de") -> type[DefinitionForm]:
    """The Django form class residents fill in to order ``version`` (server-side validation)."""
    form_class = build_form_from_definition(version.form_definition or {}, language=language)
    form_class.version = version
    return form_class


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, UploadedFile):
        return {
            "filename": value.name,
            "size": value.size,
            "content_type": getattr(value, "detected_type", value.content_type),
        }
    return value


def cleaned_to_json(form: DefinitionForm) -> dict:
    """JSON-serialisable answers of a valid form (hidden/empty fields left out).

    A number becomes an int (or a string with its decimals), a date ``YYYY-MM-DD``, an address a
    dict, a yes/no a bool. A file is only described here (``filename``, ``size``,
    ``content_type`` as detected from its content); the upload itself comes from
    ``cleaned_files(form)`` and is stored by the caller (the cases app keeps it as a document).
    """
    data = {}
    for name in form.fields:
        value = form.cleaned_data.get(name)
        if value in (None, "", [], {}):
            continue
        data[name] = _json_value(value)
    return data


def cleaned_files(form: DefinitionForm) -> dict[str, UploadedFile]:
    """The uploaded files of a valid form by field key (only fields that are shown)."""
    return {
        name: form.cleaned_data[name]
        for name, field in form.fields.items()
        if field.field_type == "file" and form.cleaned_data.get(name)
    }


def data_for_display(definition: dict, data: dict, *, language: str = "de") -> list[dict]:
    """``[{"key", "label", "value"}]`` of stored answers as readable text, in form order."""
    rows = []
    for spec in definition.get("fields", []):
        key = spec["key"]
        if key not in data:
            continue
        value = data[key]
        ftype = spec["type"]
        labels = {c["value"]: text_in(c["label"], language) for c in spec.get("choices", [])}
        if ftype == "yes_no":
            text = str(_("Ja") if value else _("Nein"))
        elif ftype == "choice":
            text = labels.get(value, str(value))
        elif ftype == "multi_choice":
            text = ", ".join(labels.get(v, str(v)) for v in value)
        elif ftype == "address" and isinstance(value, dict):
            text = f"{value.get('street', '')} {value.get('house_number', '')}, " + (
                f"{value.get('postcode', '')} {value.get('town', '')}"
            )
        elif ftype == "date":
            try:
                text = datetime.date.fromisoformat(value).strftime("%d.%m.%Y")
            except (TypeError, ValueError):
                text = str(value)
        elif ftype == "iban":
            text = format_iban(str(value))
        elif ftype == "file" and isinstance(value, dict):
            text = str(value.get("filename", ""))
        else:
            text = str(value)
        rows.append({"key": key, "label": text_in(spec.get("label"), language), "value": text})
    return rows
