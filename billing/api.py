"""Public API of the Fünfliber (public host): contributions of a year and the report.

Amounts are decimal strings with two places ("520433.75"); shares are percent strings with one
("37.5"). The serializers below write the answers and are their OpenAPI schema alike.
"""

from __future__ import annotations

import datetime as dt
import re

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.safe_input import QuerySerializer

from .selectors import contributions_overview, report_build
from .selectors.kept import report_kept
from .selectors.series import (
    MAX_MONTHS,
    MONTH,
    QUARTER,
    add_months,
    months_between,
    series_build,
)
from .selectors.years import programme_years, years_message

MONTH_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}")

_YEAR_MESSAGES = {
    "required": "Der Parameter «year» fehlt.",
    "invalid": "Das Jahr ist keine ganze Zahl.",
    "max_string_length": "Das Jahr ist zu lang.",
}


def _programme_year(value: int) -> int:
    """A year the programme has (``ProgrammeYear`` rows: adding one needs no release)."""
    years = programme_years()
    if value not in years:
        raise serializers.ValidationError(years_message(years))
    return value


class YearQuery(QuerySerializer):
    """``?year=``: a programme year; validated here and documented as such."""

    year = serializers.IntegerField(
        required=False,
        error_messages=_YEAR_MESSAGES,
        help_text="Programmjahr (die erfassten Jahre, ab 2021)",
    )

    def validate_year(self, value: int) -> int:
        return _programme_year(value)


class YearRequiredQuery(YearQuery):
    year = serializers.IntegerField(
        error_messages=_YEAR_MESSAGES,
        help_text="Programmjahr (die erfassten Jahre, ab 2021)",
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
        report = report_kept("report", year, lambda: report_build(year=year))
        return Response(ReportSerializer(report).data)


# --- GET /api/programme/series/ ---------------------------------------------------------------

_MONTH_MESSAGES = {
    "required": "Der Parameter fehlt (Monat im Format JJJJ-MM, z. B. 2021-01).",
    "invalid": "Ungültiger Monat: erwartet JJJJ-MM, z. B. 2021-01.",
    "max_length": "Ungültiger Monat: erwartet JJJJ-MM, z. B. 2021-01.",
}


def _month(value: str) -> dt.date:
    if not MONTH_PATTERN.fullmatch(value):
        raise serializers.ValidationError(_MONTH_MESSAGES["invalid"])
    year, month = int(value[:4]), int(value[5:])
    if not 1 <= month <= 12 or year < 1900:
        raise serializers.ValidationError(_MONTH_MESSAGES["invalid"])
    return dt.date(year, month, 1)


class SeriesQuery(QuerySerializer):
    """``?from=2021-01&to=2026-12&by=month|quarter`` (both months included)."""

    from_ = serializers.CharField(
        max_length=7, error_messages=_MONTH_MESSAGES, help_text="erster Monat, JJJJ-MM"
    )
    to = serializers.CharField(
        max_length=7, error_messages=_MONTH_MESSAGES, help_text="letzter Monat, JJJJ-MM"
    )
    by = serializers.ChoiceField(
        choices=[MONTH, QUARTER],
        default=MONTH,
        error_messages={"invalid_choice": "«by» muss «month» oder «quarter» sein."},
        help_text="month oder quarter",
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        months, errors = {}, {}
        for name in ("from", "to"):
            try:
                months[name] = _month(attrs[name])
            except serializers.ValidationError as exc:
                errors[name] = exc.detail
        if errors:
            raise serializers.ValidationError(errors)
        start, last = months["from"], months["to"]
        if last < start:
            errors["to"] = ["«to» darf nicht vor «from» liegen."]
        elif months_between(start, last) >= MAX_MONTHS:
            errors["to"] = [f"Höchstens {MAX_MONTHS} Monate auf einmal."]
        if errors:
            raise serializers.ValidationError(errors)
        return {"start": start, "end": add_months(last, 1), "by": attrs["by"]}


class SeriesPointSerializer(serializers.Serializer):
    period = serializers.CharField(source="period.key", help_text="2021-01 oder 2021-Q1")
    budget = _money()
    spent = _money()
    income = _money(allow_null=True, help_text="nur im Total: Einnahmen haben keine Kategorie")
    cumulative_spent = _money(help_text="seit Programmbeginn")
    cumulative_budget = _money(help_text="seit Programmbeginn (Budgetlinie)")


class CategorySeriesSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    points = SeriesPointSerializer(many=True)


class SeriesSerializer(serializers.Serializer):
    """GET /api/programme/series/ (a ``ProgrammeSeries``)."""

    by = serializers.CharField()
    periods = serializers.SerializerMethodField()
    categories = CategorySeriesSerializer(many=True)
    total = CategorySeriesSerializer()

    def get_periods(self, obj) -> list[str]:
        return [p.key for p in obj.periods]


class SeriesView(APIView):
    """Budget, spending, income and cumulative spending per month or quarter (booking date),
    per category and in total."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[SeriesQuery], responses=SeriesSerializer)
    def get(self, request):
        params = SeriesQuery(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(SeriesSerializer(series_build(**params.validated_data)).data)
