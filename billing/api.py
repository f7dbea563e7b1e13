"""Public API of the Fünfliber (public host): contributions of a year and the report.

Amounts are decimal strings with two places ("520433.75"); shares are percent strings with one
("37.5"). The serializers below write the answers and are their OpenAPI schema alike.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.safe_input import QuerySerializer

from .models import PROGRAMME_YEARS
from .selectors import contributions_overview, report_build

_YEAR_MESSAGES = {
    "required": "Der Parameter «year» fehlt.",
    "invalid": f"Das Jahr muss zwischen {PROGRAMME_YEARS[0]} und {PROGRAMME_YEARS[-1]} liegen.",
    "min_value": f"Das Jahr muss zwischen {PROGRAMME_YEARS[0]} und {PROGRAMME_YEARS[-1]} liegen.",
    "max_value": f"Das Jahr muss zwischen {PROGRAMME_YEARS[0]} und {PROGRAMME_YEARS[-1]} liegen.",
    "max_string_length": "Das Jahr ist zu lang.",
}


class YearQuery(QuerySerializer):
    """``?year=``: a programme year; validated here and documented as such."""

    year = serializers.IntegerField(
        min_value=PROGRAMME_YEARS[0],
        max_value=PROGRAMME_YEARS[-1],
        required=False,
        error_messages=_YEAR_MESSAGES,
        help_text=f"Programmjahr {PROGRAMME_YEARS[0]}–{PROGRAMME_YEARS[-1]}",
    )


class YearRequiredQuery(YearQuery):
    year = serializers.IntegerField(
        min_value=PROGRAMME_YEARS[0],
        max_value=PROGRAMME_YEARS[-1],
        error_messages=_YEAR_MESSAGES,
        help_text=f"Programmjahr {PROGRAMME_YEARS[0]}–{PROGRAMME_YEARS[-1]}",
    )


def _year(request, query: type[YearQuery]) -> int | None:
    params = query(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data.get("year")


class DecimalString(serializers.DecimalField):
    """A decimal as the string of the value the selectors computed ("520433.75", "37.5")."""

    def __init__(self, **kwargs):
        super().__init__(coerce_to_string=True, **kwargs)

    def to_representation(self, value) -> str:
        return str(value)


def _money(**kwargs) -> serializers.DecimalField:
    return DecimalString(max_digits=12, decimal_places=2, **kwargs)


def _percent(**kwargs) -> serializers.DecimalField:
    return DecimalString(max_digits=4, decimal_places=1, **kwargs)


# --- GET /api/programme/contributions/ --------------------------------------------------------


class ContributionLineSerializer(serializers.Serializer):
    bfs_number = serializers.IntegerField(source="commune.bfs_number")
    name = serializers.CharField(source="commune.name")
    population_basis = serializers.IntegerField(
        allow_null=True, help_text="Ständige Wohnbevölkerung per 31.12. des Vorjahres"
    )
    amount = _money()


class MissingPopulationSerializer(serializers.Serializer):
    bfs_number = serializers.IntegerField()
    name = serializers.CharField()


class ContributionsSerializer(serializers.Serializer):
    """GET /api/programme/contributions/ (a ``ContributionsOverview``)."""

    year = serializers.IntegerField()
    booked = serializers.BooleanField(help_text="false: Vorschau, noch nicht gebucht")
    rate = _money(allow_null=True, help_text="CHF pro Einwohnerin/Einwohner")
    communes = ContributionLineSerializer(many=True, source="lines")
    total_communes = _money()
    total_canton = _money()
    missing_population = MissingPopulationSerializer(many=True, source="missing")


# --- GET /api/programme/report/ ---------------------------------------------------------------


class IncomeSourceSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    amount = _money()


class IncomeSerializer(serializers.Serializer):
    sources = IncomeSourceSerializer(many=True, source="income")
    total = _money(source="income_total")


class CategorySerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    budget = _money()
    spent = _money()
    remaining = _money()


class ExpenditureSerializer(serializers.Serializer):
    categories = CategorySerializer(many=True)
    budget_total = _money()
    total = _money(source="expenditure_total")


class YearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    income = _money()
    budget = _money()
    expenditure = _money()
    balance = _money()


class CommuneBenefitSerializer(serializers.Serializer):
    bfs_number = serializers.IntegerField()
    name = serializers.CharField()
    contribution = _money()
    digital_cases = serializers.IntegerField()
    completed_cases = serializers.IntegerField()
    automated_cases = serializers.IntegerField()
    outside_office_hours = serializers.IntegerField()
    share_automated = _percent(allow_null=True, help_text="Prozent der abgeschlossenen Geschäfte")
    share_outside_office_hours = _percent(
        allow_null=True, help_text="Prozent der digitalen Geschäfte"
    )
    contribution_per_digital_case = _money(source="contribution_per_case", allow_null=True)


class RolloutCommuneSerializer(serializers.Serializer):
    bfs_number = serializers.IntegerField()
    name = serializers.CharField()
    offered = serializers.IntegerField()
    share = _percent(help_text="Prozent der Dienstleistungen, online angeboten")


class RolloutSerializer(serializers.Serializer):
    target_percent = _percent(source="rollout_target")
    services = serializers.IntegerField(source="services_total")
    communes_reaching_target = serializers.IntegerField(source="rollout_reached")
    communes = RolloutCommuneSerializer(many=True, source="rollout")


class ReportSerializer(serializers.Serializer):
    """GET /api/programme/report/ (a ``Report``)."""

    year = serializers.IntegerField(allow_null=True, help_text="null: 2021–2024 zusammen")
    years = serializers.ListField(child=serializers.IntegerField())
    income = IncomeSerializer(source="finance")
    expenditure = ExpenditureSerializer(source="finance")
    balance = _money(source="finance.balance")
    reserve = _money(source="finance.reserve")
    unbudgeted = _money(source="finance.unbudgeted")
    by_year = YearSerializer(many=True)
    communes = CommuneBenefitSerializer(many=True)
    rollout = RolloutSerializer(source="*")


class ContributionsView(APIView):
    """Contributions of a year: rate, per commune basis and amount, totals."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[YearRequiredQuery], responses=ContributionsSerializer)
    def get(self, request):
        year = _year(request, YearRequiredQuery)
        return Response(ContributionsSerializer(contributions_overview(year=year)).data)


class ReportView(APIView):
    """The cost-transparency report for a year, or 2021–2024 together without ``year``."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[YearQuery], responses=ReportSerializer)
    def get(self, request):
        year = _year(request, YearQuery)
        return Response(ReportSerializer(report_build(year=year)).data)
