"""Cantonal admin: failing adapters across communes (list, filters, counts per adapter); each
commune's configuration (connections, accounts, contact) with "Verbindung testen"."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.admin_sites import canton_admin_site
from tenants.configuration import SECRETS, commune_config_validate, https_urls
from tenants.models import CommuneConfig
from tenants.services import commune_config_update

from .connections import connections_test
from .failures import adapter_failure_counts
from .models import AdapterFailure


@admin.register(AdapterFailure, site=canton_admin_site)
class AdapterFailureAdmin(admin.ModelAdmin):
    list_display = (
        "at",
        "adapter_key",
        "commune_name",
        "commune_bfs",
        "case_reference",
        "step_key",
        "attempt",
        "transient",
        "handed_to_clerk",
        "error_code",
        "error_message",
    )
    list_filter = ("adapter_key", "commune_name", "transient", "handed_to_clerk", "at")
    search_fields = ("case_reference", "case_id", "error_code", "error_message", "commune_name")
    date_hierarchy = "at"
    change_list_template = "admin/integrations/adapterfailure/change_list.html"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "failure_counts": adapter_failure_counts()}
        return super().changelist_view(request, extra_context=extra_context)


class CommuneConfigForm(forms.ModelForm):
    """All of a commune's configuration; secrets are write-only (never shown again: an empty
    field keeps the stored secret). Validated by ``tenants.services.commune_config_update``."""

    resident_register_api_key = forms.CharField(
        label=_("Einwohnerregister: API-Schlüssel"), required=False, widget=forms.PasswordInput
    )
    dog_register_api_key = forms.CharField(
        label=_("Hunderegister: API-Schlüssel"), required=False, widget=forms.PasswordInput
    )
    payment_api_password = forms.CharField(
        label=_("Zahlungsanbieter: API-Passwort"), required=False, widget=forms.PasswordInput
    )
    payment_sign_key = forms.CharField(
        label=_("Zahlungsanbieter: Signaturschlüssel"), required=False, widget=forms.PasswordInput
    )
    seal_key_pem = forms.CharField(
        label=_("Siegel: privater Schlüssel (PEM)"), required=False, widget=forms.Textarea
    )
    seal_certificate_pem = forms.CharField(
        label=_("Siegel: Zertifikat (PEM)"), required=False, widget=forms.Textarea
    )

    class Meta:
        model = CommuneConfig
        formfield_callback = https_urls
        fields = [
            f.name
            for f in CommuneConfig._meta.fields
            if not f.name.endswith("_enc") and f.name not in ("id", "health", "updated_at")
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRETS:
            stored = self.instance.pk and getattr(self.instance, f"{name}_enc")
            self.fields[name].initial = ""
            self.fields[name].help_text = (
                _("Hinterlegt. Leer lassen, um den gespeicherten Wert zu behalten.")
                if stored
                else _("Nicht hinterlegt.")
            )

    def secrets(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in SECRETS}

    def changes(self) -> dict[str, str]:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in SECRETS and name != "commune"
        }

    def clean(self):
        cleaned = super().clean()
        commune = cleaned.get("commune") or getattr(self.instance, "commune", None)
        if commune is None or self.errors:
            return cleaned
        current = CommuneConfig.objects.filter(commune=commune).first() or CommuneConfig(
            commune=commune
        )
        errors = commune_config_validate(
            current=current, changes=self.changes(), secrets=self.secrets()
        )
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)
        return cleaned


def _health_column(block: str, label: str):
    def column(model_admin, obj: CommuneConfig) -> str:
        state = obj.health.get(block)
        if not state:
            return "–"
        mark = "✓" if state.get("ok") else "✗"
        return f"{mark} {state.get('message', '')} ({state.get('checked_at', '')[:16]})"

    column.short_description = label
    return column


@admin.register(CommuneConfig, site=canton_admin_site)
class CommuneConfigAdmin(admin.ModelAdmin):
    """The canton edits every commune's connections, accounts and contact; lists each
    connection's last test ("Verbindung testen")."""

    form = CommuneConfigForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "commune",
        "qr_iban",
        "mail_sender",
        "resident_register_health",
        "dog_register_health",
        "payment_health",
    )
    search_fields = ("commune__name", "commune__bfs_number")
    readonly_fields = ("health", "updated_at")
    actions = ["test_connections"]

    resident_register_health = _health_column("resident_register", _("Einwohnerregister"))
    dog_register_health = _health_column("dog_register", _("Hunderegister"))
    payment_health = _health_column("payment", _("Zahlungsanbieter"))

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "commune") if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        commune = obj.commune if change else form.cleaned_data["commune"]
        saved = commune_config_update(
            commune=commune, changes=form.changes(), secrets=form.secrets()
        )
        obj.pk = saved.pk

    @admin.action(description=_("Verbindung testen"))
    def test_connections(self, request, queryset) -> None:
        for config in queryset.select_related("commune"):
            results = connections_test(commune=config.commune)
            if not results:
                self.message_user(
                    request, f"{config.commune.name}: keine Verbindung konfiguriert.", "warning"
                )
            for r in results:
                level = messages.SUCCESS if r.ok else messages.ERROR
                self.message_user(request, f"{config.commune.name}, {r.label}: {r.message}", level)
