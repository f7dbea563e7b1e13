from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from tenants.admin_sites import canton_admin_site, commune_admin_site

from .models import ResidentProfile, User


class PortalUserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "role")


class PortalUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class ResidentProfileInline(admin.StackedInline):
    model = ResidentProfile
    can_delete = False
    extra = 0
    verbose_name_plural = _("Personalien")
    readonly_fields = ("updated_at",)


class PortalUserAdmin(UserAdmin):
    inlines = (ResidentProfileInline,)
    add_form = PortalUserCreationForm
    form = PortalUserChangeForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "role", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff", "groups")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "role")}),
        (_("Berechtigungen"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Daten"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "role", "password1", "password2")}),
    )


for site in (canton_admin_site, commune_admin_site):
    site.register(User, PortalUserAdmin)
    site.register(Group, GroupAdmin)
