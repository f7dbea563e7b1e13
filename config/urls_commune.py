"""URLs of a commune host (<slug>.<PORTAL_DOMAIN>)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api import (
    LogoutApiView,
    MeView,
    ProfileView,
    TokenListView,
    TokenRevokeView,
    TokenView,
)
from accounts.identity_views import LogoutView
from accounts.views import LoginView
from config.health import healthz
from config.help import commune_home
from tenants.admin_sites import commune_admin_site

urlpatterns = [
    path("", commune_home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("", include("accounts.urls")),
    path("", include("accounts.identity_urls")),
    path("", include("accounts.second_factor_urls")),
    path("webauthn/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
    path("admin/", commune_admin_site.urls),
    path("api/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/auth/logout/", LogoutApiView.as_view(), name="api-logout"),
    path("api/auth/tokens/", TokenListView.as_view(), name="api-tokens"),
    path("api/auth/tokens/<int:token_id>/", TokenRevokeView.as_view(), name="api-token-revoke"),
    path("api/me/", MeView.as_view(), name="api-me"),
    path("", include("cases.urls_my_data")),
    path("api/me/profile/", ProfileView.as_view(), name="api-me-profile"),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="config.urls_commune"), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("config.urls_help")),
    path("api/cases/", include("cases.api_urls")),
    path("", include("cases.urls")),
    path("", include("catalog.urls_commune")),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
