"""The public report is computed at most once per PROGRAMME_REPORT_CACHE_SECONDS for each year,
kind and language (``billing.selectors.kept``): a second visitor costs no report query, each
language keeps its own, a committed booking forgets them, and with 0 seconds (the tests'
default) every request sees new data."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from billing.models import Category, Kind
from billing.services import contributions_book, ledger_entry_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings):
    caches["public"].clear()
    settings.PROGRAMME_REPORT_CACHE_SECONDS = 60
    yield
    caches["public"].clear()


@pytest.fixture
def booked(canton_user, kriens):
    contributions_book(year=2021, booked_by=canton_user)
    _spend(canton_user, "250000.00")


def _spend(user, amount: str) -> None:
    ledger_entry_book(
        year=2021,
        kind=Kind.EXPENDITURE,
        category=Category.PORTAL,
        amount=Decimal(amount),
        text="Rechnung",
        booked_by=user,
        booking_date=dt.date(2021, 6, 1),
    )


def _page(response) -> str:
    """The page without its CSRF token (new in every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def _ledger_reads(queries) -> int:
    return sum("billing_ledgerentry" in q["sql"] for q in queries)


def test_a_second_visitor_costs_no_report_query(kept, booked, public_client):
    """The page and the PDF of the first request are kept: the second request reads no ledger
    entry and gets the same report (the same "Stand")."""
    first = public_client.get("/programme/2021/")
    pdf = public_client.get("/programme/2021/bericht.pdf")
    assert first.status_code == pdf.status_code == 200
    assert "250’000.00" in first.content.decode()

    with CaptureQueriesContext(connection) as queries:
        again = public_client.get("/programme/2021/")
        pdf_again = public_client.get("/programme/2021/bericht.pdf")
    assert _ledger_reads(queries.captured_queries) == 0
    assert _page(again) == _page(first)
    assert pdf_again.content == pdf.content


def test_a_booking_forgets_the_kept_reports(
    kept, booked, public_client, canton_user, django_capture_on_commit_callbacks
):
    """Once a booking commits, the next request computes the report anew and shows it; usage
    counted meanwhile (no booking) waits for the period."""
    assert "250’000.00" in public_client.get("/programme/2021/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _spend(canton_user, "1000.00")
    with CaptureQueriesContext(connection) as queries:
        later = public_client.get("/programme/2021/")
    assert _ledger_reads(queries.captured_queries) > 0
    assert "251’000.00" in later.content.decode()


def test_a_rolled_back_booking_forgets_nothing(kept, booked, public_client, canton_user):
    """A booking that does not commit leaves the kept report (and the ledger) as it was."""
    first = _page(public_client.get("/programme/2021/"))
    with pytest.raises(RuntimeError), transaction.atomic():
        _spend(canton_user, "1000.00")
        raise RuntimeError("abgebrochen")
    with CaptureQueriesContext(connection) as queries:
        assert _page(public_client.get("/programme/2021/")) == first
    assert _ledger_reads(queries.captured_queries) == 0


def test_each_language_keeps_its_own_report(kept, booked, public_client):
    """A report kept in German is not served to an English visitor, nor the other way."""
    german = public_client.get("/programme/2021/").content.decode()
    public_client.cookies["django_language"] = "en"
    english = public_client.get("/programme/2021/").content.decode()
    assert "Total Einnahmen" in german and "Total income" not in german
    assert "Total income" in english and "Total Einnahmen" not in english
    public_client.cookies["django_language"] = "de"
    assert "Total Einnahmen" in public_client.get("/programme/2021/").content.decode()


def test_the_report_api_is_kept_too(kept, booked, public_client):
    """``GET /api/programme/report/?year=2021``: the same report, kept the same way."""
    url = "/api/programme/report/?year=2021"
    first = public_client.get(url).json()
    with CaptureQueriesContext(connection) as queries:
        assert public_client.get(url).json() == first
    assert _ledger_reads(queries.captured_queries) == 0


def test_without_keeping_every_request_sees_new_bookings(booked, public_client, canton_user):
    """At 0 seconds (the tests' setting) nothing is kept: a booking shows at once."""
    assert "250’000.00" in public_client.get("/programme/2021/").content.decode()
    _spend(canton_user, "1000.00")
    assert "251’000.00" in public_client.get("/programme/2021/").content.decode()
    assert not caches["public"].get("billing:report:page:2021:de")


def test_the_usage_table_is_kept_too(kept, booked, public_client):
    """``/programme/2021/nutzung/`` and its CSV: the counters are read once per period."""
    page = _page(public_client.get("/programme/2021/nutzung/"))
    csv = public_client.get("/programme/2021/nutzung.csv").content
    with CaptureQueriesContext(connection) as queries:
        assert _page(public_client.get("/programme/2021/nutzung/")) == page
        assert public_client.get("/programme/2021/nutzung.csv").content == csv
    assert not any("billing_usage" in q["sql"] for q in queries.captured_queries)
