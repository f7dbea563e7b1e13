""" "Meine Daten" (commune and public host): the register access log ("Zugriffe auf meine
Daten"), the export of everything about the person (JSON, PDF), closing the account."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.access_log import register_access_for_person, register_access_plain
from tenants.context import current_commune

from ..exceptions import InvalidTransition
from ..services.my_data import (
    account_close,
    account_closing_statement,
    personal_data_export,
    personal_data_pdf,
)


def _access_log(user) -> list:
    here = current_commune()
    return list(
        register_access_for_person(
            subject=user.oidc_subject or "",
            commune=here,
            user_id=user.pk if here is not None else None,
        )[:500]
    )


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """The access log, the export links and (on a commune host) closing the account."""
    commune = current_commune()
    open_refs, kept = (
        account_closing_statement(user=request.user) if commune is not None else ([], [])
    )
    return render(
        request,
        "cases/my_data.html",
        {
            "entries": _access_log(request.user),
            "on_commune_host": commune is not None,
            "open_refs": open_refs,
            "kept": kept,
        },
    )


@login_required
def my_data_pdf(request: HttpRequest) -> HttpResponse:
    """Everything about the person as a readable PDF."""
    pdf = personal_data_pdf(personal_data_export(user=request.user))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="meine-daten.pdf"'
    return response


@login_required
def my_data_json(request: HttpRequest) -> HttpResponse:
    """Everything about the person as JSON (a download; the API answers the same)."""
    body = json.dumps(personal_data_export(user=request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="meine-daten.json"'
    return response


@login_required
def my_account_close(request: HttpRequest) -> HttpResponse:
    """POST (commune host): close the account after the statement on "Meine Daten"."""
    if request.method != "POST" or current_commune() is None:
        return redirect("my-data")
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Bitte bestätigen Sie, dass Sie Ihr Konto schliessen wollen."))
        return redirect("my-data")
    try:
        account_close(user=request.user)
    except InvalidTransition as exc:
        messages.error(request, exc.message)
        return redirect("my-data")
    logout(request)
    return render(request, "cases/account_closed.html")


class AccessEntrySerializer(serializers.Serializer):
    commune = serializers.CharField()
    case_reference = serializers.CharField()
    service = serializers.CharField(help_text="key of the service (the purpose)")
    purpose = serializers.CharField(help_text="title of the service")
    legal_basis = serializers.CharField()
    kind = serializers.ChoiceField(choices=["read", "write", "view"])
    register = serializers.CharField()
    triggered_by = serializers.CharField(help_text="the step or the clerk")
    attributes = serializers.ListField(child=serializers.CharField())
    message_id = serializers.CharField()
    created_at = serializers.DateTimeField()


class AccessLogView(APIView):
    """The logged-in person's register access log (commune and public host), newest first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: AccessEntrySerializer(many=True), 401: None})
    def get(self, request):
        return Response([register_access_plain(e) for e in _access_log(request.user)])


class ExportView(APIView):
    """Everything the portal holds about the logged-in person (every commune, the case index,
    the access log) as JSON."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: dict, 401: None})
    def get(self, request):
        return Response(personal_data_export(user=request.user))
