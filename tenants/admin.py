from django.contrib import admin

from .admin_sites import canton_admin_site
from .models import Commune, Domain, Handover, PopulationFigure


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
