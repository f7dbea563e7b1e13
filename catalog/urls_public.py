"""Catalogue routes of the public (cantonal) host."""

from django.urls import path

from . import api
from .views import public

app_name = "catalog"

urlpatterns = [
    path("katalog/", public.catalogue_index, name="index"),
    path("katalog/suche/", public.catalogue_search, name="search"),
    path("katalog/<slug:key>/", public.service_page, name="service"),
    path("api/catalog/services/", api.CatalogServiceList.as_view(), name="api-services"),
    path(
        "api/catalog/services/<slug:key>/",
        api.CatalogServiceDetail.as_view(),
        name="api-service",
    ),
]
