"""The staff second factor's pages (every host)."""

from django.urls import path

from . import second_factor_views

urlpatterns = [
    path("zweiter-faktor/", second_factor_views.verify, name="second-factor"),
    path("zweiter-faktor/einrichten/", second_factor_views.enrol, name="second-factor-enrol"),
    path(
        "zweiter-faktor/wiederherstellungscodes/",
        second_factor_views.recovery_codes,
        name="second-factor-recovery",
    ),
]
