""" "Meine Daten" and /api/me/… of the data protection features: the same on the commune and
the public host (included by both URL confs)."""

from django.urls import path

from .views import my_data as views

urlpatterns = [
    path("meine-daten/", views.my_data, name="my-data"),
    path("meine-daten/export/", views.my_data_export_request, name="my-data-export"),
    path(
        "meine-daten/export/<uuid:export_id>/",
        views.my_data_export_download,
        name="my-data-export-download",
    ),
    path("meine-daten/konto-schliessen/", views.my_account_close, name="my-account-close"),
    path("api/me/access-log/", views.AccessLogView.as_view(), name="api-me-access-log"),
    path("api/me/export/", views.ExportView.as_view(), name="api-me-export"),
    path(
        "api/me/export/<uuid:export_id>/",
        views.ExportDetailView.as_view(),
        name="api-me-export-detail",
    ),
]
