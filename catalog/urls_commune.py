"""Catalogue routes of a commune host (the order page /dienstleistungen/<key>/bestellen/ is
the cases app's)."""

from django.urls import path

from . import api
from .views import commune

app_name = "catalog"

urlpatterns = [
    path("dienstleistungen/", commune.offered_services, name="offers"),
    path("dienstleistungen/<slug:key>/", commune.offered_service, name="offer"),
    path("verwaltung/angebot/", commune.admin_offers, name="admin-offers"),
    path("verwaltung/angebot/<slug:key>/", commune.admin_offer_edit, name="admin-offer"),
    path("verwaltung/eigene-leistungen/", commune.own_services, name="own-services"),
    path(
        "verwaltung/eigene-leistungen/vorschlagen/",
        commune.own_service_propose,
        name="own-service-propose",
    ),
    path("api/services/", api.OfferList.as_view(), name="api-offers"),
    path("api/services/<slug:key>/", api.OfferDetail.as_view(), name="api-offer"),
]
