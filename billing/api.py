"""Public API of the Fünfliber (public host): contributions of a year and the report.

Amounts are decimal strings with two places ("520433.75"); shares are percent strings.
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import PROGRAMME_YEARS
from .selectors import contributions_booked, contributions_calculate, report_build
from .selectors.report import Report


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _year(request, *, required: bool) -> tuple[int | None, Response | None]:
    raw = request.query_params.get("year", "").strip()
    if not raw:
        if required:
            return None, Response({"detail": "Der Parameter «year» fehlt."}, status=400)
        return None, None
    if not (raw.isascii() and raw.isdigit()) or int(raw) not in PROGRAMME_YEARS:
        return None, Response(
            {
                "detail": f"Das Jahr muss zwischen {PROGRAMME_YEARS[0]} und "
                f"{PROGRAMME_YEARS[-1]} liegen."
            },
            status=400,
        )
    return int(raw), None


def contributions_data(year: int) -> dict:
    """Booked contributions of a year; a preview calculation while nothing is booked."""
    booked = contributions_booked(year=year)
    if booked.booked:
        return {
            "year": year,
            "booked": True,
            "rate": _dec(booked.rate),
            "communes": [
                {
                    "bfs_number": line.commune.bfs_number,
                    "name": line.commune.name,
                    "population_basis": line.population_basis,
                    "amount": _dec(line.amount),
                }
                for line in booked.lines
            ],
            "total_communes": _dec(booked.total_communes),
            "total_canton": _dec(booked.total_canton),
            "missing_population": [],
        }
    plan = contributions_calculate(year=year)
    lines = plan.lines if plan.complete else []
    total = sum((line.amount for line in lines), Decimal("0.00"))
    return {
        "year": year,
        "booked": False,
        "rate": _dec(plan.rate),
        "communes": [
            {
                "bfs_number": line.commune.bfs_number,
                "name": line.commune.name,
                "population_basis": line.population_basis,
                "amount": _dec(line.amount),
            }
            for line in lines
        ],
        "total_communes": _dec(total),
        "total_canton": _dec(total),
        "missing_population": [{"bfs_number": c.bfs_number, "name": c.name} for c in plan.missing],
    }


def report_data(report: Report) -> dict:
    """The report as plain JSON data."""
    f = report.finance
    return {
        "year": report.year,
        "years": list(report.years),
        "income": {
            "sources": [
                {"key": r.key, "label": r.label, "amount": _dec(r.amount)} for r in f.income
            ],
            "total": _dec(f.income_total),
        },
        "expenditure": {
            "categories": [
                {
                    "key": r.key,
                    "label": r.label,
                    "budget": _dec(r.budget),
                    "spent": _dec(r.spent),
                    "remaining": _dec(r.remaining),
                }
                for r in f.categories
            ],
            "budget_total": _dec(f.budget_total),
            "total": _dec(f.expenditure_total),
        },
        "balance": _dec(f.balance),
        "reserve": _dec(f.reserve),
        "unbudgeted": _dec(f.unbudgeted),
        "by_year": [
            {
                "year": y.year,
                "income": _dec(y.income),
                "budget": _dec(y.budget),
                "expenditure": _dec(y.expenditure),
                "balance": _dec(y.balance),
            }
            for y in report.by_year
        ],
        "communes": [
            {
                "bfs_number": c.bfs_number,
                "name": c.name,
                "contribution": _dec(c.contribution),
                "digital_cases": c.digital_cases,
                "completed_cases": c.completed_cases,
                "automated_cases": c.automated_cases,
                "outside_office_hours": c.outside_office_hours,
                "share_automated": _dec(c.share_automated),
                "share_outside_office_hours": _dec(c.share_outside_office_hours),
                "contribution_per_digital_case": _dec(c.contribution_per_case),
            }
            for c in report.communes
        ],
        "rollout": {
            "target_percent": _dec(report.rollout_target),
            "services": report.services_total,
            "communes_reaching_target": report.rollout_reached,
            "communes": [
                {
                    "bfs_number": r.bfs_number,
                    "name": r.name,
                    "offered": r.offered,
                    "share": _dec(r.share),
                }
                for r in report.rollout
            ],
        },
    }


YEAR_PARAM = OpenApiParameter("year", OpenApiTypes.INT, description="Programmjahr 2021–2024")
YEAR_REQUIRED = OpenApiParameter(
    "year", OpenApiTypes.INT, required=True, description="Programmjahr 2021–2024"
)


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class ContributionLineSerializer(serializers.Serializer):
    bfs_number = serializers.IntegerField()
    name = serializers.CharField()
    population_basis = serializers.IntegerField(
        allow_null=True, help_text="Ständige Wohnbevölkerung per 31.12. des Vorjahres"
    )
    amount = _money()


class MissingPopulationSerializer(serializers.Serializer):
    bfs_number = serializers.IntegerField()
    name = serializers.CharField()


class ContributionsSerializer(serializers.Serializer):
    """Schema of GET /api/programme/contributions/ (documentation only)."""

    year = serializers.IntegerField()
    booked = serializers.BooleanField(help_text="false: Vorschau, noch nicht gebucht")
    rate = _money(allow_null=True, help_text="CHF pro Einwohnerin/Einwohner")
    communes = ContributionLineSerializer(many=True)
    total_communes = _money()
    total_canton = _money()
    missing_population = MissingPopulationSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ContributionsView(APIView):
    """Contributions of a year: rate, per commune basis and amount, totals."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[YEAR_REQUIRED], responses={200: ContributionsSerializer, 400: ErrorSerializer}
    )
    def get(self, request):
        year, error = _year(request, required=True)
        if error:
            return error
        return Response(contributions_data(year))


class ReportView(APIView):
    """The cost-transparency report for a year, or 2021–2024 together without ``year``."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[YEAR_PARAM], responses={200: OpenApiTypes.OBJECT, 400: ErrorSerializer}
    )
    def get(self, request):
        year, error = _year(request, required=False)
        if error:
            return error
        return Response(report_data(report_build(year=year)))
