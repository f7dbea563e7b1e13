"""URLconf of the routing benchmark: one view that reads one row of a commune table."""

from django.http import HttpResponse
from django.urls import path

from accounts.models import User


def one_row(request, alias: str):
    row = User.objects.using(alias).order_by("pk").values_list("pk", "email").first()
    return HttpResponse(f"{row[0]} {row[1]}", content_type="text/plain")


urlpatterns = [
    path("bench/tenant-row/", one_row, {"alias": "default"}),
    path("bench/plain-row/", one_row, {"alias": "plain"}),
]
