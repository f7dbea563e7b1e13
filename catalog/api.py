"""Catalogue API: the cantonal catalogue on the public host, the commune's offer on its host."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from tenants.safe_input import QuerySerializer

from .models import Level, ServiceVersion
from .offers.models import Stage
from .selectors import (
    ActiveOffer,
    offer_for_order,
    offer_list,
    published_versions,
    service_detail,
    service_search,
)
from .services import offer_editor_check, offer_update

# --- Public host: the cantonal catalogue -----------------------------------------------------


class ServiceListSerializer(serializers.Serializer):
    key = serializers.CharField(source="service.key")
    name = serializers.CharField(source="name_de")
    name_en = serializers.CharField()
    level = serializers.CharField(source="service.level")
    topics = serializers.SerializerMethodField()
    fee = serializers.DecimalField(max_digits=10, decimal_places=2)
    version = serializers.IntegerField(source="number")
    summary = serializers.CharField(source="summary_de")
    pilot = serializers.BooleanField(source="service.pilot")

    def get_topics(self, version: ServiceVersion) -> list[str]:
        return [t.slug for t in version.service.topics.all()]


class StepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField(source="name_de")
    name_en = serializers.CharField()
    kind = serializers.CharField()
    adapter_key = serializers.CharField()
    responsible_group = serializers.CharField()


class ServiceDetailSerializer(ServiceListSerializer):
    summary_en = serializers.CharField()
    description = serializers.CharField(source="description_de")
    description_en = serializers.CharField()
    keywords = serializers.CharField()
    required_documents = serializers.SerializerMethodField()
    required_documents_en = serializers.SerializerMethodField()
    legal_basis = serializers.CharField()
    legal_basis_en = serializers.SerializerMethodField()
    authority = serializers.CharField(source="authority_de")
    authority_en = serializers.SerializerMethodField()
    service_norm_days = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    form_definition = serializers.JSONField()
    steps = StepSerializer(many=True)

    # German keys as before; the English ones fall back to German where untranslated.
    def get_required_documents(self, version: ServiceVersion) -> list[str]:
        return version.required_documents_in("de")

    def get_required_documents_en(self, version: ServiceVersion) -> list[str]:
        return version.required_documents_in("en")

    def get_legal_basis_en(self, version: ServiceVersion) -> str:
        return version.text_in("legal_basis", "en")

    def get_authority_en(self, version: ServiceVersion) -> str:
        return version.text_in("authority", "en")


class CatalogQuery(QuerySerializer):
    q = serializers.CharField(required=False, allow_blank=True, help_text="Suchbegriff")
    level = serializers.ChoiceField(
        choices=Level.choices,
        required=False,
        error_messages={
            "invalid_choice": "Unbekannte Ebene «{input}». Erlaubt: "
            + ", ".join(Level.values)
            + "."
        },
    )
    topic = serializers.CharField(
        required=False, max_length=100, help_text="Thema oder Lebenslage (slug)"
    )


class CatalogServiceList(APIView):
    """Published services of the cantonal catalogue; ``?q=`` searches (German, typo-tolerant),
    ``?level=bund|kanton|gemeinde`` and ``?topic=<slug>`` filter."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[CatalogQuery],
        responses=ServiceListSerializer(many=True),
    )
    def get(self, request):
        query = CatalogQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data.get("q", "").strip()[:200]
        level = query.validated_data.get("level")
        topic = query.validated_data.get("topic")
        if q:
            versions = service_search(q=q, level=level, topic=topic, limit=100)
        else:
            versions = published_versions(level=level, topic=topic)
        return Response(ServiceListSerializer(versions, many=True).data)


class CatalogServiceDetail(APIView):
    """One published service with its form definition and ordered steps."""

    permission_classes = [AllowAny]

    @extend_schema(responses=ServiceDetailSerializer)
    def get(self, request, key: str):
        version = service_detail(key=key)
        if version is None:
            raise Http404
        return Response(ServiceDetailSerializer(version).data)


# --- Commune host: what this commune offers -------------------------------------------------


class OfferSerializer(serializers.Serializer):
    key = serializers.CharField(source="service.key")
    name = serializers.CharField(source="version.name_de")
    level = serializers.CharField(source="service.level")
    version = serializers.IntegerField(source="version.number")
    stage = serializers.CharField()
    fee = serializers.DecimalField(max_digits=10, decimal_places=2)
    link_url = serializers.CharField()
    department = serializers.CharField()
    responsible_group = serializers.CharField(
        source="responsible_group.name", default=None, allow_null=True
    )
    contact_email = serializers.CharField(source="offer.contact_email")
    contact_phone = serializers.CharField(source="offer.contact_phone")
    notes = serializers.CharField(source="offer.notes")
    active = serializers.BooleanField(source="offer.active")


class OfferUpdateSerializer(serializers.Serializer):
    active = serializers.BooleanField(required=False)
    stage = serializers.ChoiceField(choices=Stage.values, required=False)
    link_url = serializers.URLField(required=False, allow_blank=True)
    fee_override = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    responsible_group = serializers.SlugRelatedField(
        slug_field="name", queryset=Group.objects.all(), required=False, allow_null=True
    )
    department = serializers.CharField(required=False, allow_blank=True, max_length=200)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    notes = serializers.CharField(required=False, allow_blank=True)


class OfferListQuery(QuerySerializer):
    all = serializers.BooleanField(
        required=False, default=False, help_text="auch nicht aufgeschaltete (nur Admin)"
    )


class OfferList(APIView):
    """The services this commune offers online, with stage and the commune's fee."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OfferListQuery],
        responses=OfferSerializer(many=True),
    )
    def get(self, request):
        query = OfferListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        include_inactive = (
            query.validated_data["all"]
            and request.user.is_authenticated
            and request.user.role == User.Role.ADMIN
        )
        offers = offer_list(include_inactive=include_inactive)
        return Response(OfferSerializer(offers, many=True).data)


class OfferDetail(APIView):
    """One offered service; ``PATCH`` (commune administrators only) changes the offer."""

    permission_classes = [AllowAny]

    @extend_schema(responses=OfferSerializer)
    def get(self, request, key: str):
        active = offer_for_order(key=key)
        if active is None:
            raise Http404
        return Response(OfferSerializer(active).data)

    @extend_schema(request=OfferUpdateSerializer, responses=OfferSerializer)
    def patch(self, request, key: str):
        if not request.user.is_authenticated:
            raise NotAuthenticated
        # The rule is offer_update's; asked first so that a non-administrator learns nothing else.
        offer_editor_check(user=request.user)
        version = service_detail(key=key)
        if version is None:
            raise Http404
        data = OfferUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        offer_update(user=request.user, service=version.service, **data.validated_data)
        active: ActiveOffer | None = offer_for_order(key=key)
        if active is None:  # withdrawn: report the stored offer
            return Response({"key": key, "active": False})
        return Response(OfferSerializer(active).data)
