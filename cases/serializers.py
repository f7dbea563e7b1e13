"""API representations of cases (thin: validation of the order data is the forms engine's)."""

from __future__ import annotations

import re
from typing import Any

from django.utils import translation
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tenants.safe_input import QuerySerializer

from .models import Case, CaseEvent, CaseStatus, CaseStep, Document, Message
from .selectors import case_documents, payment_summary


class CaseCreateSerializer(serializers.Serializer):
    service = serializers.SlugField(help_text="Schlüssel der Dienstleistung, z. B. parkkarte")
    data = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        default=dict,
        help_text="Angaben nach dem Formular der Dienstleistung (Feldschlüssel → Wert)",
    )


# What CaseCreateSerializer accepts for ``service`` without trimming (SlugField, not blank).
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def order_payload(body: Any) -> dict[str, Any]:
    """The validated order (``service``, ``data``), as ``CaseCreateSerializer`` gives it.

    An order as it usually comes (a JSON object with a plain service key and an object of
    data) is taken as it is: the serializer would return the same values, but building its
    fields (a deep copy per request) costs more than the rest of the answer. Anything else
    goes through the serializer, with its messages (``ValidationError`` → 400)."""
    if type(body) is dict:
        service, data = body.get("service"), body.get("data", {})
        plain = type(service) is str and _SLUG.fullmatch(service) and type(data) is dict
        if plain and all(type(key) is str for key in data):
            return {"service": service, "data": data}
    payload = CaseCreateSerializer(data=body)
    payload.is_valid(raise_exception=True)
    return payload.validated_data


class CaseFilterSerializer(QuerySerializer):
    """Query parameters of the case list; also their documentation."""

    status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
    service = serializers.CharField(max_length=100, required=False, help_text="Schlüssel")


class CaseCreatedSerializer(serializers.Serializer):
    """The answer to an order. Fields declared, not derived from the model: a ModelSerializer
    builds its fields from the model on every response, which cost more than the rest of the
    answer."""

    id = serializers.UUIDField(read_only=True)
    reference = serializers.CharField(
        read_only=True, label=Case._meta.get_field("reference").verbose_name
    )
    status = serializers.ChoiceField(choices=CaseStatus.choices, read_only=True)


def case_created_data(case: Case) -> dict[str, str]:
    """``CaseCreatedSerializer(case).data``, written out (the serializer documents it)."""
    return {"id": str(case.pk), "reference": case.reference, "status": str(case.status)}


class CaseListSerializer(serializers.ModelSerializer):
    service = serializers.CharField(source="service.key")
    service_name = serializers.CharField(source="version.name_de")
    assignee = serializers.IntegerField(source="assignee_id", allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "service",
            "service_name",
            "status",
            "submitted_at",
            "due_date",
            "fee",
            "assignee",
            "closed_at",
        ]


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseStep
        fields = [
            "id",
            "position",
            "key",
            "name_de",
            "kind",
            "status",
            "group_name",
            "attempts",
            "last_error",
            "completed_at",
        ]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["created_at", "kind", "text", "actor", "visible_to_resident"]

    def get_actor(self, event: CaseEvent) -> str:
        return event.actor_label

    def get_text(self, event: CaseEvent) -> str:
        return event.text_in((translation.get_language() or "de")[:2])


class DocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "name", "kind", "content_type", "size", "visible_to_resident", "url"]

    def get_url(self, document: Document) -> str:
        return f"/dokumente/{document.pk}/"


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["id", "from_resident", "is_info_request", "body", "created_at"]


class PaymentSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    method = serializers.ChoiceField(choices=["online", "qr_bill"])
    status = serializers.ChoiceField(choices=["open", "paid", "failed", "refunded"])
    paid_at = serializers.DateTimeField(allow_null=True)


class CaseDetailSerializer(CaseListSerializer):
    data = serializers.JSONField()
    payment = serializers.SerializerMethodField()
    steps = StepSerializer(many=True)
    events = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    messages = MessageSerializer(many=True)
    awaiting_info = serializers.BooleanField()
    decision = serializers.CharField()
    decision_reason = serializers.CharField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "stage",
            "data",
            "awaiting_info",
            "decision",
            "decision_reason",
            "steps",
            "events",
            "documents",
            "messages",
            "payment",
        ]

    def _internal(self) -> bool:
        return bool(self.context.get("internal"))

    def get_events(self, case: Case) -> list[dict]:
        events = case.events.select_related("actor")
        if not self._internal():
            events = events.filter(visible_to_resident=True)
        return EventSerializer(events, many=True).data

    def get_documents(self, case: Case) -> list[dict]:
        documents = case_documents(case=case, internal=self._internal())
        return DocumentSerializer(documents, many=True).data

    @extend_schema_field(PaymentSerializer(allow_null=True))
    def get_payment(self, case: Case) -> dict | None:
        """The fee: ``amount``, ``method`` (online | qr_bill), ``status`` (open | paid | failed |
        refunded), ``paid_at``; null for a case without fee."""
        summary = payment_summary(case=case)
        return None if summary is None else PaymentSerializer(summary).data


class AssignSerializer(serializers.Serializer):
    assignee = serializers.CharField(
        allow_null=True, help_text='"me", eine Benutzer-ID oder null (Zuweisung aufheben)'
    )


class CompleteStepSerializer(serializers.Serializer):
    step = serializers.IntegerField(
        required=False, help_text="ID des Schritts (Standard: aktueller)"
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class RequestInfoSerializer(serializers.Serializer):
    question = serializers.CharField()


class DecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    document = serializers.FileField(required=False, allow_null=True)


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField()


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField()


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField()


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")
