"""Forms of the resident pages: they parse input; the rules live in accounts.services."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .mails import PASSWORD_RESET, account_mail_enqueue
from .models import Sex, User
from .selectors import PROFILE_REQUIRED, SEX_INVALID


class RegistrationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-Mail-Adresse"),
        max_length=254,
        error_messages={
            "required": _("Bitte geben Sie Ihre E-Mail-Adresse ein."),
            "invalid": _(
                "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.ch."
            ),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    first_name = forms.CharField(
        label=_("Vorname"),
        max_length=150,
        error_messages={"required": _("Bitte geben Sie Ihren Vornamen ein.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nachname"),
        max_length=150,
        error_messages={"required": _("Bitte geben Sie Ihren Nachnamen ein.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    password1 = forms.CharField(
        label=_("Passwort"),
        strip=False,
        error_messages={"required": _("Bitte wählen Sie ein Passwort.")},
        help_text=_("Mindestens 8 Zeichen, nicht nur Ziffern, nicht zu ähnlich wie Ihr Name."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Passwort wiederholen"),
        strip=False,
        error_messages={"required": _("Bitte geben Sie das Passwort ein zweites Mal ein.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        data = super().clean()
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Die beiden Passwörter stimmen nicht überein."))
        elif password1:
            candidate = User(
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class ProfileForm(forms.Form):
    """Names and identity data; required-ness and formats are checked by profile_update."""

    first_name = forms.CharField(
        label=_("Vorname"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nachname"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    date_of_birth = forms.DateField(
        label=_("Geburtsdatum"),
        required=False,
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
        help_text=_("Format TT.MM.JJJJ, z. B. 31.01.1985"),
        error_messages={
            "invalid": _("Bitte geben Sie das Geburtsdatum im Format TT.MM.JJJJ ein."),
        },
        widget=forms.DateInput(
            format="%d.%m.%Y", attrs={"autocomplete": "bday", "inputmode": "numeric"}
        ),
    )
    ahv_number = forms.CharField(
        label=_("AHV-Nummer"),
        max_length=20,
        required=False,
        help_text=_("13 Ziffern, Form 756.XXXX.XXXX.XX (auf Ihrer Krankenkassenkarte)"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    sex = forms.ChoiceField(
        label=_("Geschlecht (amtlich)"),
        required=False,
        choices=[("", _("keine Angabe")), *Sex.choices],
        help_text=_("wie im Ausweis; für Meldungen an das Einwohnerregister (z. B. beim Zuzug)"),
        error_messages={"invalid_choice": SEX_INVALID},
    )
    street = forms.CharField(
        label=_("Strasse"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    house_number = forms.CharField(
        label=_("Hausnummer"),
        max_length=12,
        required=False,
        help_text=_("falls vorhanden"),
    )
    postcode = forms.CharField(
        label=_("Postleitzahl"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    town = forms.CharField(
        label=_("Ort"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    phone = forms.CharField(
        label=_("Telefon"),
        max_length=30,
        required=False,
        help_text=_("freiwillig, für Rückfragen"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )

    VERIFIED_FIELDS = ("first_name", "last_name", "date_of_birth", "ahv_number")

    def __init__(self, *args, verified_source: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if verified_source:
            # From the identity provider: shown, not editable (the stored value is submitted).
            for name in self.VERIFIED_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = verified_source
        for name in PROFILE_REQUIRED:
            self.fields[name].show_required = True
            self.fields[name].widget.attrs["aria-required"] = "true"

    def add_service_errors(self, error: ValidationError) -> None:
        """Show the per-field errors a service raised next to the fields."""
        for field_name, messages in error.message_dict.items():
            target = field_name if field_name in self.fields else None
            for message in messages:
                self.add_error(target, message)


class ResidentPasswordResetForm(PasswordResetForm):
    """Django's reset form; the mail goes out in a job (``accounts.mails``), so a known and an
    unknown address take the same time to answer."""

    email = forms.EmailField(
        label=_("E-Mail-Adresse"),
        max_length=254,
        error_messages={
            "required": _("Bitte geben Sie Ihre E-Mail-Adresse ein."),
            "invalid": _(
                "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.ch."
            ),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def save(self, *, request=None, **_unused) -> None:  # type: ignore[override]
        for user in self.get_users(self.cleaned_data["email"]):
            account_mail_enqueue(
                PASSWORD_RESET, user=user, base_url=request.build_absolute_uri("/")
            )
