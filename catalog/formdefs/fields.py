"""Django form fields for the definition types that Django does not ship (German messages)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import filetype
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tenants.safe_input import image_check

from .checks import iban_problem, normalise_ahv, normalise_swiss_phone, normalise_swiss_plate
from .definition import FILE_TYPES

REQUIRED = _("Bitte füllen Sie dieses Feld aus.")
# "Fill in" fits a text box, not radios, lists or uploads: each kind says what to do.
REQUIRED_BY_TYPE = {
    "yes_no": _("Bitte wählen Sie «Ja» oder «Nein»."),
    "choice": _("Bitte wählen Sie eine der Möglichkeiten."),
    "multi_choice": _("Bitte wählen Sie mindestens eine der Möglichkeiten."),
    "file": _("Bitte laden Sie eine Datei hoch."),
    "date": _("Bitte geben Sie ein Datum ein."),
    "address": _("Bitte geben Sie die Adresse ein."),
}


class LocalNumberField(forms.DecimalField):
    """Accepts Swiss writing: ``1'250.50``, ``1 250,5``; integers when ``decimals`` is 0."""

    widget = forms.TextInput

    def __init__(self, *, decimals: int = 0, **kwargs):
        self.decimals = decimals
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("invalid", _("Bitte geben Sie eine Zahl ein."))
        kwargs["error_messages"].setdefault(
            "max_decimal_places",
            _("Bitte geben Sie höchstens %(max)s Nachkommastellen ein."),
        )
        super().__init__(max_digits=15, decimal_places=decimals, **kwargs)
        if decimals == 0:
            self.error_messages["max_decimal_places"] = _("Bitte geben Sie eine ganze Zahl ein.")

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace("'", "").replace("’", "").replace(" ", "")
            value = value.replace(",", ".")
        if isinstance(value, float):
            value = str(value)
        return super().to_python(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        attrs["inputmode"] = "numeric" if self.decimals == 0 else "decimal"
        return attrs


class YesNoField(forms.Field):
    """Ja/Nein as radio buttons; a required one must be answered, either way."""

    TRUE = {"yes", "ja", "true", "1", "on", True}
    FALSE = {"no", "nein", "false", "0", False}

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.RadioSelect(choices=[("yes", _("Ja")), ("no", _("Nein"))])
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().lower()
        if value in self.TRUE:
            return True
        if value in self.FALSE:
            return False
        if value in (None, ""):
            return None
        raise ValidationError(_("Bitte wählen Sie «Ja» oder «Nein»."), code="invalid")

    def validate(self, value):
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")

    def prepare_value(self, value):
        if value is True:
            return "yes"
        if value is False:
            return "no"
        return value


class SwissPhoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
        super().__init__(max_length=30, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        normalised = normalise_swiss_phone(value)
        if normalised is None:
            raise ValidationError(
                _(
                    "Bitte geben Sie eine Schweizer Telefonnummer ein, "
                    "z. B. 041 208 51 11 oder +41 79 123 45 67."
                ),
                code="invalid",
            )
        return normalised


class SwissPlateField(forms.CharField):
    """A Swiss number plate: canton code and number, stored as ``LU 123456``."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"})
        )
        super().__init__(max_length=12, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        normalised = normalise_swiss_plate(value)
        if normalised is None:
            raise ValidationError(
                _(
                    "Bitte geben Sie ein Schweizer Kontrollschild ein: Kantonskürzel und "
                    "1 bis 6 Ziffern, z. B. LU 123456."
                ),
                code="invalid",
            )
        return normalised


class AHVField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "756.1234.5678.97"}),
        )
        super().__init__(max_length=20, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        digits = re.sub(r"[\s.]", "", value)
        normalised = normalise_ahv(value)
        if normalised is None:
            if (
                len(digits) == 13
                and (digits.isascii() and digits.isdigit())
                and digits.startswith("756")
            ):
                message = _(
                    "Die AHV-Nummer ist nicht gültig (Prüfziffer stimmt nicht). "
                    "Bitte prüfen Sie die Ziffern."
                )
            else:
                message = _(
                    "Bitte geben Sie die 13-stellige AHV-Nummer ein, die mit 756 beginnt, "
                    "z. B. 756.1234.5678.97."
                )
            raise ValidationError(message, code="invalid")
        return normalised


class IBANField(forms.CharField):
    MESSAGES = {
        "format": _(
            "Bitte geben Sie eine IBAN ein: zwei Buchstaben, zwei Prüfziffern, dann die "
            "Kontonummer, z. B. CH93 0076 2011 6238 5295 7."
        ),
        "length": _(
            "Die IBAN hat nicht die richtige Länge (Schweiz und Liechtenstein: 21 Zeichen)."
        ),
        "checksum": _("Die IBAN ist nicht gültig (Prüfziffer stimmt nicht)."),
    }

    def __init__(self, **kwargs):
        super().__init__(max_length=42, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        normalised, problem = iban_problem(value)
        if problem:
            raise ValidationError(self.MESSAGES[problem], code=problem)
        return normalised


class AddressWidget(forms.MultiWidget):
    template_name = "catalog/widgets/address.html"
    parts = ("street", "house_number", "postcode", "town")
    part_labels = {
        "street": _("Strasse"),
        "house_number": _("Hausnummer"),
        "postcode": _("PLZ"),
        "town": _("Ort"),
    }

    def __init__(self, attrs=None):
        widgets = {
            "street": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "house_number": forms.TextInput(attrs={"size": 6}),
            "postcode": forms.TextInput(
                attrs={"inputmode": "numeric", "size": 6, "autocomplete": "postal-code"}
            ),
            "town": forms.TextInput(attrs={"autocomplete": "address-level2"}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, dict):
            return [value.get(part, "") for part in self.parts]
        return [None] * len(self.parts)

    def value_from_datadict(self, data, files, name):
        # JSON clients send {"street": …, "house_number": …, "postcode": …, "town": …}.
        value = data.get(name)
        if isinstance(value, dict):
            return [value.get(part) for part in self.parts]
        return super().value_from_datadict(data, files, name)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for sub, part in zip(context["widget"]["subwidgets"], self.parts, strict=True):
            sub["label"] = self.part_labels[part]
        return context


class AddressField(forms.MultiValueField):
    """Swiss postal address → ``{"street", "house_number", "postcode", "town"}``."""

    widget = AddressWidget

    def __init__(self, **kwargs):
        fields = (
            forms.CharField(
                max_length=100,
                error_messages={"incomplete": _("Bitte geben Sie die Strasse an.")},
            ),
            forms.RegexField(
                r"^\d{1,4}\s?[a-zA-Z]?(\s?[-/]\s?\d{1,4}\s?[a-zA-Z]?)?$",
                max_length=12,
                error_messages={
                    "invalid": _("Hausnummer: bitte z. B. 12, 12a oder 10-12."),
                    "incomplete": _("Bitte geben Sie die Hausnummer an."),
                },
            ),
            forms.RegexField(
                r"^\d{4}$",
                error_messages={
                    "invalid": _("PLZ: bitte die vierstellige Schweizer Postleitzahl."),
                    "incomplete": _("Bitte geben Sie die Postleitzahl an."),
                },
            ),
            forms.CharField(
                max_length=60,
                error_messages={"incomplete": _("Bitte geben Sie den Ort an.")},
            ),
        )
        super().__init__(fields=fields, require_all_fields=False, **kwargs)
        for sub in self.fields:
            sub.required = True

    def compress(self, data_list):
        if not data_list:
            return None
        street, number, postcode, town = (str(v or "").strip() for v in data_list)
        if postcode and not 1000 <= int(postcode) <= 9699:
            raise ValidationError(
                _("PLZ: Schweizer Postleitzahlen liegen zwischen 1000 und 9699."),
                code="postcode",
            )
        if town and not re.fullmatch(r"[^\d<>]{2,}", town):
            raise ValidationError(_("Ort: bitte den Ortsnamen ohne Ziffern."), code="town")
        return {"street": street, "house_number": number, "postcode": postcode, "town": town}


class CheckedFileField(forms.FileField):
    """An upload whose real type (from its content) and size are checked."""

    def __init__(self, *, allowed_types: list[str], max_size_mb: float, **kwargs):
        self.allowed_types = list(allowed_types)
        self.max_size_mb = max_size_mb
        kwargs.setdefault(
            "widget", forms.ClearableFileInput(attrs={"accept": ",".join(self.allowed_types)})
        )
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("empty", _("Die hochgeladene Datei ist leer."))
        kwargs["error_messages"].setdefault(
            "invalid", _("Bitte wählen Sie eine Datei zum Hochladen aus.")
        )
        super().__init__(**kwargs)

    def type_names(self) -> str:
        return ", ".join(FILE_TYPES.get(t, t) for t in self.allowed_types)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return upload
        if upload.size > self.max_size_mb * 1024 * 1024:
            raise ValidationError(
                _("Die Datei ist zu gross (%(size)s MB). Erlaubt sind höchstens %(max)s MB."),
                code="too_large",
                params={
                    "size": f"{upload.size / 1024 / 1024:.1f}",
                    "max": f"{self.max_size_mb:g}",
                },
            )
        head = upload.read(8192)
        upload.seek(0)
        kind = filetype.guess(head)
        if kind is None or kind.mime not in self.allowed_types:
            raise ValidationError(
                _("Dieser Dateityp ist nicht erlaubt. Erlaubt sind: %(types)s."),
                code="file_type",
                params={"types": self.type_names()},
            )
        image_check(upload, kind.mime)
        upload.detected_type = kind.mime
        return upload


def to_decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
