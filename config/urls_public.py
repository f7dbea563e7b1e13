"""URLs of the public (cantonal) host."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts.identity_views import LogoutView, public_login
from cases.views.payments import canton_bank_credits
from cases.views.public import MyCasesEverywhereView, my_cases_everywhere_page
from cases.views.seal import seal_check_page
from config.health import healthz
from tenants.admin_sites import canton_admin_site
from tenants.api import CommuneViewSet
from tenants.views import public_home

router = DefaultRouter(trailing_slash=True)
router.register("communes", CommuneViewSet, basename="commune")

urlpatterns = [
    path("", public_home, name="home"),
    path("healthz", healthz, name="healthz"),
    path(
        "admin/zahlungen/camt054/",
        canton_admin_site.admin_view(canton_bank_credits),
        name="canton-bank-credits",
    ),
    path("admin/", canton_admin_site.urls),
    path("anmelden/", public_login, name="login"),
    path("abmelden/", LogoutView.as_view(), name="logout"),
    path("siegel-pruefen/", seal_check_page, name="seal-check"),
    path("meine-geschaefte/", my_cases_everywhere_page, name="my-cases-everywhere"),
    path("api/me/cases/", MyCasesEverywhereView.as_view(), name="api-my-cases-everywhere"),
    path("", include("cases.urls_my_data")),
    path("", include("accounts.identity_urls")),
    path("", include("accounts.second_factor_urls")),
    path("webauthn/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="config.urls_public"), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("billing.urls")),
    path("api/", include(router.urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("config.urls_help")),
    path("", include("catalog.urls_public")),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
