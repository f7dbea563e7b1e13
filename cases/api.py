"""Cases API of a commune host (``/api/cases/``): residents order and follow their cases,
clerks work them. Every write calls the same service as the pages."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.authentication import TokenCheckedInTransaction, token_checks, token_confirm
from accounts.models import User
from tenants.prepared import KeptChanged
from tenants.safe_input import UnsafeInput, id_from_text, json_loads_checked

from . import selectors, services
from .models import StepKind
from .permissions import can_view_in_backoffice
from .serializers import (
    AnswerSerializer,
    AssignSerializer,
    CaseCreatedSerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseFilterSerializer,
    CaseListSerializer,
    CompleteStepSerializer,
    DecideSerializer,
    MessageCreateSerializer,
    NoteSerializer,
    RequestInfoSerializer,
    WithdrawSerializer,
    case_created_data,
    order_payload,
)
from .services.core import current_step

ERRORS = OpenApiResponse(description="Ungültige Angaben oder Übergang (Meldung pro Feld)")


class CaseViewSet(TokenCheckedInTransaction, viewsets.ViewSet):
    """Cases: a resident sees their own, a clerk those of their groups, an administrator all."""

    permission_classes = [IsAuthenticated]
    # An order checks its token in its own transaction (accounts.authentication).
    token_checked_in_transaction = ("create",)
    api_conflicts = True  # writes are transitions: 409 when the state does not allow them
    lookup_value_regex = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

    def _case(self, pk):
        return selectors.case_get_visible(user=self.request.user, case_id=pk)

    def _detail(self, case, code=status.HTTP_200_OK) -> Response:
        case = selectors.case_get_visible(user=self.request.user, case_id=case.pk)
        internal = can_view_in_backoffice(user=self.request.user, case=case)
        data = CaseDetailSerializer(case, context={"internal": internal}).data
        return Response(data, status=code)

    @extend_schema(
        responses=CaseListSerializer(many=True),
        parameters=[CaseFilterSerializer],
    )
    def list(self, request):
        """Cases visible to the caller, newest first (at most 200), optionally filtered."""
        filters = CaseFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        cases = selectors.case_list_visible(user=request.user)
        if "status" in filters.validated_data:
            cases = cases.filter(status=filters.validated_data["status"])
        if "service" in filters.validated_data:
            cases = cases.filter(service__key=filters.validated_data["service"])
        cases = cases.order_by("-submitted_at")[:200]
        return Response(CaseListSerializer(cases, many=True).data)

    @extend_schema(
        request=CaseCreateSerializer,
        responses={201: CaseCreatedSerializer, 400: ERRORS, 401: OpenApiResponse()},
    )
    def create(self, request):
        """Order a service: ``{"service": key, "data": {...}}`` → 201 with id and reference.

        With uploads, send ``multipart/form-data``: ``service``, ``data`` as a JSON string and
        each file under its field key.
        """
        body = request.data
        if hasattr(body, "getlist"):  # multipart or form: data comes as a JSON string
            try:
                data = json_loads_checked(body.get("data") or "{}")
            except UnsafeInput as exc:
                return Response({"data": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
            body = {"service": body.get("service"), "data": data}
        payload = order_payload(body)
        try:
            case = self._submit(payload)
        except KeptChanged:  # the token changed since this process read it: nothing written
            token_confirm(request)  # 401 unless it is still valid
            case = self._submit(payload)
        return Response(case_created_data(case), status=status.HTTP_201_CREATED)

    def _submit(self, payload: dict):
        return services.case_submit(
            user=self.request.user,
            service_key=payload["service"],
            data=payload["data"],
            files=self.request.FILES or None,
            checks=token_checks(self.request),
        )

    @extend_schema(responses=CaseDetailSerializer)
    def retrieve(self, request, pk=None):
        """One case with its steps, events (internal ones for clerks), documents, messages."""
        return self._detail(self._case(pk))

    @extend_schema(request=AssignSerializer, responses={200: CaseDetailSerializer, 400: ERRORS})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        case = self._case(pk)
        payload = AssignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        value = payload.validated_data["assignee"]
        if value == "me":
            assignee = request.user
        elif value in (None, ""):
            assignee = None
        else:
            assignee_id = id_from_text(value)
            assignee = User.objects.filter(pk=assignee_id).first() if assignee_id else None
            if assignee is None:
                return Response({"assignee": ["Unbekannte Person."]}, status=400)
        services.case_assign(case=case, user=request.user, assignee=assignee)
        return self._detail(case)

    @extend_schema(
        request=CompleteStepSerializer, responses={200: CaseDetailSerializer, 409: ERRORS}
    )
    @action(detail=True, methods=["post"], url_path="complete-step")
    def complete_step(self, request, pk=None):
        case = self._case(pk)
        payload = CompleteStepSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        step_id = payload.validated_data.get("step")
        if step_id is None:
            step = current_step(case)
            step_id = step.pk if step else 0
        step = case.steps.filter(pk=step_id).first()
        if step is None:
            return Response({"step": ["Diesen Schritt gibt es nicht."]}, status=400)
        if step.kind != StepKind.RESIDENT and not can_view_in_backoffice(
            user=request.user, case=case
        ):
            raise PermissionDenied("Sie sind für dieses Geschäft nicht berechtigt.")
        services.step_complete(
            step_id=step.pk,
            user=request.user,
            comment=payload.validated_data["comment"],
        )
        return self._detail(case)

    @extend_schema(request=RequestInfoSerializer, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request, pk=None):
        case = self._case(pk)
        payload = RequestInfoSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.case_request_info(
            case=case,
            user=request.user,
            question=payload.validated_data["question"],
        )
        return self._detail(case)

    @extend_schema(request=DecideSerializer, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Approve (multipart with ``document``) or reject (with ``reason``)."""
        case = self._case(pk)
        payload = DecideSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.case_decide(
            case=case,
            user=request.user,
            approve=payload.validated_data["approve"],
            reason=payload.validated_data["reason"],
            document=payload.validated_data.get("document"),
        )
        return self._detail(case)

    @extend_schema(request=NoteSerializer, responses={201: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def note(self, request, pk=None):
        case = self._case(pk)
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.case_note_add(
            case=case,
            user=request.user,
            text=payload.validated_data["text"],
        )
        return self._detail(case, code=status.HTTP_201_CREATED)

    @extend_schema(request=MessageCreateSerializer, responses={201: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def messages(self, request, pk=None):
        case = self._case(pk)
        payload = MessageCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.message_send(case=case, user=request.user, body=payload.validated_data["body"])
        return self._detail(case, code=status.HTTP_201_CREATED)

    @extend_schema(request=AnswerSerializer, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """The resident answers the open information request."""
        case = self._case(pk)
        payload = AnswerSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.case_answer_info(
            case=case,
            user=request.user,
            answer=payload.validated_data["answer"],
            files=request.FILES.getlist("files"),
        )
        return self._detail(case)

    @extend_schema(request=WithdrawSerializer, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        case = self._case(pk)
        payload = WithdrawSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.case_withdraw(
            case=case,
            user=request.user,
            reason=payload.validated_data["reason"],
        )
        return self._detail(case)
