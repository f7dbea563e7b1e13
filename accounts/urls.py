"""Resident account pages on a commune host."""

from django.urls import path

from . import views

urlpatterns = [
    path("registrieren/", views.register, name="register"),
    path("registrieren/gesendet/", views.register_done, name="register-done"),
    path("registrieren/bestaetigen/<str:token>/", views.register_verify, name="register-verify"),
    path("login/entsperren/<str:token>/", views.login_unlock, name="login-unlock"),
    path("profil/", views.profile, name="profile"),
    path("passwort-aendern/", views.password_change, name="password_change"),
    path("passwort-aendern/fertig/", views.password_change_done, name="password_change_done"),
    path("passwort-vergessen/", views.password_reset, name="password_reset"),
    path("passwort-vergessen/gesendet/", views.password_reset_done, name="password_reset_done"),
    path(
        "passwort-zuruecksetzen/fertig/",
        views.password_reset_complete,
        name="password_reset_complete",
    ),
    path(
        "passwort-zuruecksetzen/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
]
