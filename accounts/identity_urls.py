"""Provider login (AGOV / e-ID) on every host, public and commune."""

from django.urls import path

from . import identity_views

urlpatterns = [
    path("anmelden/e-id/", identity_views.identity_login, name="identity-login"),
    path("oidc/callback/", identity_views.identity_callback, name="oidc-callback"),
    path("anmelden/e-id/verknuepfen/", identity_views.identity_link, name="identity-link"),
]
