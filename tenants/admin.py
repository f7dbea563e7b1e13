from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from .admin_sites import canton_admin_site, commune_admin_site
from .configuration import (
    COMMUNE_EDITABLE,
    SECRETS,
    commune_config_update,
    commune_config_validate,
    https_urls,
)
from .models import Commune, CommuneConfig, Domain, Handover, PopulationFigure


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class PopulationInline(admin.TabularInline):
    model = PopulationFigure
    extra = 0


@admin.register(Commune, site=canton_admin_site)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ("bfs_number", "name", "district", "status", "merged_into", "public_innovator")
    list_filter = ("status", "district", "public_innovator")
    search_fields = ("name", "bfs_number", "slug")
    readonly_fields = ("schema_name", "created_at", "updated_at")
    inlines = [DomainInline, PopulationInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Communes are merged, never deleted: their cases and ledger entries stay.
        return False


@admin.register(PopulationFigure, site=canton_admin_site)
class PopulationFigureAdmin(admin.ModelAdmin):
    list_display = ("commune", "year", "residents")
    list_filter = ("year",)
    search_fields = ("commune__name",)


@admin.register(Handover, site=canton_admin_site)
class HandoverAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "from_commune",
        "to_commune",
        "case_reference",
        "status",
        "processed_at",
        "closed_at",
    )
    list_filter = ("kind", "status", "from_commune", "to_commune")
    search_fields = ("case_reference", "case_id")
    readonly_fields = [f.name for f in Handover._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CommuneOwnConfigForm(forms.ModelForm):
    class Meta:
        model = CommuneConfig
        formfield_callback = https_urls
        fields = list(COMMUNE_EDITABLE)


@admin.register(CommuneConfig, site=commune_admin_site)
class CommuneOwnConfigAdmin(admin.ModelAdmin):
    """On the commune host, its administrators (role ``admin``) edit contact, opening hours and
    mail sender of their own commune and see the rest, which the canton edits; secrets show only
    whether one is stored."""

    form = CommuneOwnConfigForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = (
        "resident_register_product",
        "resident_register_url",
        "resident_register_sender_id",
        "dog_register_product",
        "dog_register_url",
        "payment_provider",
        "payment_url",
        "payment_merchant_id",
        "qr_iban",
        "iban",
        "creditor_name",
        "creditor_street",
        "creditor_house_number",
        "creditor_postcode",
        "creditor_town",
        "fee_account",
        "secrets_stored",
        "updated_at",
    )

    @admin.display(description=_("Hinterlegte Geheimnisse"))
    def secrets_stored(self, obj: CommuneConfig) -> str:
        stored = [name for name in SECRETS if getattr(obj, f"{name}_enc")]
        return ", ".join(stored) or "–"

    def get_queryset(self, request):
        commune = getattr(request, "commune", None)
        return super().get_queryset(request).filter(commune_id=getattr(commune, "pk", None))

    def _is_commune_admin(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or getattr(user, "role", "") == "admin")

    def has_module_permission(self, request) -> bool:
        return self._is_commune_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._is_commune_admin(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._is_commune_admin(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        commune_config_update(
            commune=request.commune,
            changes={name: form.cleaned_data[name] for name in COMMUNE_EDITABLE},
            allowed=COMMUNE_EDITABLE,
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        commune = request.commune

        class Validated(form_class):
            def clean(self):
                cleaned = super().clean()
                if self.errors:
                    return cleaned
                current = CommuneConfig.objects.get(commune=commune)
                errors = commune_config_validate(
                    current=current,
                    changes={n: cleaned.get(n, "") for n in COMMUNE_EDITABLE},
                    secrets={},
                )
                for name, message in errors.items():
                    self.add_error(name if name in self.fields else None, message)
                return cleaned

        return Validated
