"""Two admin sites: the cantonal one on the public host, a commune one on each commune host.

Each app registers its public models on ``canton_admin_site`` and its commune models on
``commune_admin_site``; neither site ever lists the other's tables.
"""

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.db import connection
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name


class AdminLoginForm(AdminAuthenticationForm):
    """The administration's login with the portal's own messages: one answer for an unknown
    address, a wrong password and an account without access, so none of them is told apart."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _(
            "E-Mail-Adresse oder Passwort ist falsch, oder dieses Konto hat keinen Zugang zur "
            "Administration. Bitte prüfen Sie beide Angaben."
        ),
        "inactive": _(
            "Dieses Konto ist deaktiviert. Bitte wenden Sie sich an die Gemeindeverwaltung."
        ),
    }


class CantonAdminSite(AdminSite):
    login_form = AdminLoginForm
    site_header = "Einwohnerportal Luzern – Kanton"
    site_title = "Kantonale Administration"
    index_title = "Gemeinden, Katalog und Digitalisierungsfünfliber"

    def has_permission(self, request) -> bool:
        return (
            connection.schema_name == get_public_schema_name()
            and request.user.is_active
            and request.user.is_staff
        )


class CommuneAdminSite(AdminSite):
    login_form = AdminLoginForm
    site_title = "Gemeindeadministration"
    index_title = "Verwaltung der Gemeinde"

    def has_permission(self, request) -> bool:
        return (
            getattr(request, "commune", None) is not None
            and connection.schema_name == request.commune.schema_name
            and request.user.is_active
            and request.user.is_staff
        )

    def each_context(self, request):
        context = super().each_context(request)
        commune = getattr(request, "commune", None)
        context["site_header"] = f"Einwohnerportal – {commune.name}" if commune else self.site_title
        return context


canton_admin_site = CantonAdminSite(name="canton_admin")
commune_admin_site = CommuneAdminSite(name="commune_admin")
