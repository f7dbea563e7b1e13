"""Routes of the public host: /programme/ reports and /api/programme/."""

from django.urls import path

from . import api, views

urlpatterns = [
    path("programme/", views.programme_report, name="programme-report"),
    path("programme/<int:year>/", views.programme_report, name="programme-report-year"),
    path("programme/vergleich/", views.programme_compare, name="programme-compare"),
    path("programme/<int:year>/nutzung/", views.programme_usage, name="programme-usage"),
    path("programme/<int:year>/nutzung.csv", views.programme_usage_csv, name="programme-usage-csv"),
    path("programme/bericht.<str:fmt>", views.programme_download, name="programme-download"),
    path(
        "programme/<int:year>/bericht.<str:fmt>",
        views.programme_download,
        name="programme-download-year",
    ),
    path(
        "programme/grafik-<slug:chart>.csv", views.programme_chart_csv, name="programme-chart-csv"
    ),
    path(
        "programme/<int:year>/grafik-<slug:chart>.csv",
        views.programme_chart_csv,
        name="programme-chart-csv-year",
    ),
    path(
        "api/programme/contributions/",
        api.ContributionsView.as_view(),
        name="api-programme-contributions",
    ),
    path("api/programme/report/", api.ReportView.as_view(), name="api-programme-report"),
    path("api/programme/series/", api.SeriesView.as_view(), name="api-programme-series"),
]
