"""Commune admin: offers are read-only here; the commune's /verwaltung/angebot/ pages change
them through catalog.services so that the public index stays in step."""

from django.contrib import admin

from tenants.admin_sites import commune_admin_site

from .models import ServiceOffer


@admin.register(ServiceOffer, site=commune_admin_site)
class ServiceOfferAdmin(admin.ModelAdmin):
    list_display = ("service", "stage", "active", "fee_override", "responsible_group")
    list_filter = ("stage", "active")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
