"""Cantonal admin: failing adapters across communes (list, filters, counts per adapter)."""

from django.contrib import admin

from tenants.admin_sites import canton_admin_site

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
