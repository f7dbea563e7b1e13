""" "Meine Daten" and /api/me/… of the data protection features: the same on the commune and
the public host (included by both URL confs)."""

from django.urls import path

from .views import my_data as views

urlpatterns = [
    path("meine-daten/", views.my_data, name="my-data"),
    path("meine-daten/meine-daten.json", views.my_data_json, name="my-data-json"),
    path("meine-daten/meine-daten.pdf", views.my_data_pdf, name="my-data-pdf"),
    path("meine-daten/konto-schliessen/", views.my_account_close, name="my-account-close"),
    path("api/me/access-log/", views.AccessLogView.as_view(), name="api-me-access-log"),
    path("api/me/export/", views.ExportView.as_view(), name="api-me-export"),
]
