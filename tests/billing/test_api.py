from decimal import Decimal

import pytest

from billing.services import contributions_book
from tenants.models import PopulationFigure

pytestmark = pytest.mark.django_db


def test_contributions_api_contract(canton_user, public_client, kriens):
    """GET /api/programme/contributions/?year=2021: rate, communes, totals as decimal strings."""
    contributions_book(year=2021, booked_by=canton_user)
    response = public_client.get("/api/programme/contributions/?year=2021")
    assert response.status_code == 200
    data = response.json()
    assert data["rate"] == "1.25"
    assert data["booked"] is True
    assert data["total_communes"] == "520433.75"
    assert data["total_canton"] == "520433.75"
    assert len(data["communes"]) == 80
    row = next(c for c in data["communes"] if c["bfs_number"] == kriens.bfs_number)
    residents = PopulationFigure.objects.get(commune=kriens, year=2020).residents
    assert row == {
        "bfs_number": kriens.bfs_number,
        "name": "Kriens",
        "population_basis": residents,
        "amount": str(Decimal("1.25") * residents),
    }
    assert sum(Decimal(c["amount"]) for c in data["communes"]) == Decimal("520433.75")


def test_contributions_api_preview_before_booking(public_client):
    """Before booking, the API shows the calculation (booked = false)."""
    data = public_client.get("/api/programme/contributions/?year=2021").json()
    assert data["booked"] is False
    assert data["total_communes"] == "520433.75"


def test_contributions_api_names_missing_figures(public_client):
    """For 2022 the API lists the communes without a 2021 figure and no amounts."""
    data = public_client.get("/api/programme/contributions/?year=2022").json()
    assert data["rate"] == "2.50"
    assert data["communes"] == []
    assert len(data["missing_population"]) == 62


@pytest.mark.parametrize(
    "query", ["", "?year=abc", "?year=2019", "?year=0", "?year=", "?year=%C2%B2"]
)
def test_contributions_api_needs_a_programme_year(public_client, query):
    """A missing or invalid year is a 400 with a German message."""
    response = public_client.get(f"/api/programme/contributions/{query}")
    assert response.status_code == 400
    assert "Jahr" in response.json()["year"][0] or "year" in response.json()["year"][0]


def test_report_api(canton_user, public_client):
    """GET /api/programme/report/?year=2021 and without year (all programme years)."""
    contributions_book(year=2021, booked_by=canton_user)
    data = public_client.get("/api/programme/report/?year=2021").json()
    assert data["year"] == 2021
    assert data["income"]["total"] == "1040867.50"
    assert len(data["expenditure"]["categories"]) == 6
    assert data["balance"] == "1040867.50"
    assert len(data["communes"]) == 80
    whole = public_client.get("/api/programme/report/").json()
    assert whole["years"] == [2021, 2022, 2023, 2024, 2025, 2026]
    assert [y["year"] for y in whole["by_year"]] == [2021, 2022, 2023, 2024, 2025, 2026]
    assert whole["income"]["total"] == "1040867.50"
    assert public_client.get("/api/programme/report/?year=2030").status_code == 400


def test_api_is_not_served_on_commune_hosts(kriens, commune_client):
    """The programme API belongs to the public host."""
    assert commune_client(kriens).get("/api/programme/report/").status_code == 404


def test_openapi_schema_documents_the_programme_api(public_client):
    """The OpenAPI schema lists both endpoints with the contributions fields."""
    response = public_client.get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/programme/contributions/" in text
    assert "/api/programme/report/" in text
    assert "total_canton" in text
