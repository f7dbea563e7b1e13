"""The public host's "Meine Geschäfte": the person's cases in every commune (from the index)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..selectors_index import my_cases_everywhere
from .common import language


@login_required
def my_cases_everywhere_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cases/public_my_cases.html",
        {
            "cases": my_cases_everywhere(user=request.user, language=language()),
            "has_identity": bool(getattr(request.user, "oidc_subject", None)),
        },
    )


class IndexedCaseSerializer(serializers.Serializer):
    commune = serializers.CharField(help_text="slug of the commune, e.g. kriens")
    reference = serializers.CharField()
    service = serializers.CharField(help_text="key of the service")
    status = serializers.CharField()
    updated_at = serializers.DateTimeField()
    url = serializers.URLField(help_text="the case on its commune's host")


class MyCasesEverywhereView(APIView):
    """The logged-in person's cases across communes (public host)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: IndexedCaseSerializer(many=True), 401: None})
    def get(self, request):
        rows = my_cases_everywhere(user=request.user)
        return Response(IndexedCaseSerializer(rows, many=True).data)
