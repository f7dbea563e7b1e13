""" "Meine Daten" (commune and public host): the register access log ("Zugriffe auf meine
Daten"), the export of everything about the person (JSON, PDF; built by a job, downloaded when
ready), closing the account."""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.access_log import register_access_for_person, register_access_plain
from tenants.context import current_commune
from tenants.data_exports import data_export_content, data_export_for, data_exports_of
from tenants.models import PersonalDataExport

from ..exceptions import InvalidTransition
from ..services.my_data import (
    account_close,
    account_closing_statement,
    personal_data_export_request,
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
            "exports": data_exports_of(user_id=request.user.pk),
            "export_hours": settings.PERSONAL_DATA_EXPORT_HOURS,
            "on_commune_host": commune is not None,
            "open_refs": open_refs,
            "kept": kept,
        },
    )


CONTENT_TYPES = {"json": "application/json; charset=utf-8", "pdf": "application/pdf"}


@login_required
def my_data_export_request(request: HttpRequest) -> HttpResponse:
    """POST ``format=pdf|json``: have the export built by a job; back to the page, which shows
    it as "wird erstellt" until it is ready."""
    if request.method != "POST":
        return redirect("my-data")
    try:
        personal_data_export_request(
            user=request.user, fmt=request.POST.get("format", ""), language=_language(request)
        )
    except ValueError:
        messages.error(request, _("Bitte wählen Sie PDF oder JSON."))
        return redirect("my-data")
    messages.success(
        request,
        _("Ihr Export wird erstellt. Laden Sie diese Seite in einigen Sekunden neu."),
    )
    return redirect(f"{reverse('my-data')}#export")


@login_required
def my_data_export_download(request: HttpRequest, export_id: uuid.UUID) -> HttpResponse:
    """The finished export, only for the account that asked for it on this host (else 404)."""
    export = data_export_for(export_id=str(export_id), user_id=request.user.pk)
    if export is None or export.status != PersonalDataExport.Status.READY:
        raise Http404
    response = HttpResponse(data_export_content(export), content_type=CONTENT_TYPES[export.format])
    response["Content-Disposition"] = f'attachment; filename="meine-daten.{export.format}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _language(request: HttpRequest) -> str:
    return "en" if (getattr(request, "LANGUAGE_CODE", "") or "de").startswith("en") else "de"


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


class ExportStateSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["pending", "ready", "failed"])
    url = serializers.CharField(help_text="GET here: 202 while pending, 200 with the export")


def _export_state(export: PersonalDataExport) -> dict:
    return {
        "id": str(export.pk),
        "status": export.status,
        "url": reverse("api-me-export-detail", kwargs={"export_id": export.pk}),
    }


class ExportView(APIView):
    """POST: have everything the portal holds about the logged-in person (every commune, the
    case index, the access log) built as JSON by a job; answers 202 with where to fetch it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={202: ExportStateSerializer, 401: None})
    def post(self, request):
        export = personal_data_export_request(user=request.user, fmt="json")
        return Response(_export_state(export), status=202)


class ExportDetailView(APIView):
    """The export asked for with POST /api/me/export/: 202 with its state while it is being
    built (or failed), 200 with the JSON when ready; 404 for anyone else's or expired ones."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: dict, 202: ExportStateSerializer, 401: None, 404: None})
    def get(self, request, export_id):
        export = data_export_for(export_id=str(export_id), user_id=request.user.pk)
        if export is None or export.format != PersonalDataExport.Format.JSON:
            raise Http404
        if export.status != PersonalDataExport.Status.READY:
            return Response(_export_state(export), status=202)
        return Response(json.loads(data_export_content(export)))
