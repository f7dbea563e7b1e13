"""Cases in the commune admin: read-only (changes go through the services and the back office)."""

from django.contrib import admin

from tenants.admin_sites import commune_admin_site

from .models import Case, CaseEvent, CaseStep


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StepInline(ReadOnlyInline):
    model = CaseStep
    fields = ("position", "name_de", "kind", "group_name", "status", "attempts", "last_error")
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ("created_at", "actor", "kind", "text", "visible_to_resident")
    readonly_fields = fields


@admin.register(Case, site=commune_admin_site)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("reference", "service", "status", "submitted_at", "due_date", "assignee")
    list_filter = ("status", "stage")
    search_fields = ("reference",)
    inlines = [StepInline, EventInline]
    exclude = ("data",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
