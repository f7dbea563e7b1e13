from django.contrib import admin

from .admin_sites import canton_admin_site
from .models import Commune, Domain, PopulationFigure


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
