"""An order checks its API token in its own transaction (``accounts.authentication``): the token
as this process last read it, read again in the order's one round trip. A token revoked, or an
account blocked, since then gets 401 and nothing is written; every other answer, and every
other request, rests on a fresh read."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.logins import tokens_revoke
from cases.models import Case
from tenants.models import OutboxJob
from tests.identity import api_token

pytestmark = pytest.mark.django_db

ORDER = {"service": "parkkarte-test", "data": {"reason": "Besuch"}}


@pytest.fixture
def resident_api(kriens, in_commune, commune_client, kriens_setup):
    resident = kriens_setup["resident"]
    with in_commune(kriens):
        token = api_token(resident)
    return resident, commune_client(kriens, HTTP_AUTHORIZATION=f"Token {token}")


def _order(client, body=ORDER):
    return client.post("/api/cases/", body, content_type="application/json")


def _written(kriens, in_commune) -> tuple[int, int, int]:
    """Cases, outbox jobs and the reference counter: what an order writes."""
    with in_commune(kriens), connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(last_number), 0) FROM cases_referencecounter")
        (number,) = cursor.fetchone()
        return Case.objects.count(), OutboxJob.objects.count(), number


def test_a_second_order_reads_its_token_in_the_orders_round_trip(kriens, in_commune, resident_api):
    resident, client = resident_api
    assert _order(client).status_code == 201
    with CaptureQueriesContext(connection) as captured:
        response = _order(client)
    assert response.status_code == 201
    reading = [q["sql"] for q in captured.captured_queries if "accounts_authtoken" in q["sql"]]
    assert len(reading) == 1
    assert 'INSERT INTO "cases_case"' in reading[0]  # read with the order's writes
    with in_commune(kriens):  # stamped (every few minutes, not on each use)
        assert resident.api_tokens.get().last_used_at is not None


def test_a_token_revoked_since_gets_401_and_nothing_is_written(kriens, in_commune, resident_api):
    resident, client = resident_api
    assert _order(client).status_code == 201  # the token is now kept
    with in_commune(kriens):
        assert tokens_revoke(user=resident) == 1
    before = _written(kriens, in_commune)
    response = _order(client)
    assert response.status_code == 401
    assert response.json()["detail"] == "Ungültiges oder abgelaufenes Token."
    assert response.headers["WWW-Authenticate"] == "Token"
    assert _written(kriens, in_commune) == before


def test_a_blocked_account_gets_401_and_nothing_is_written(kriens, in_commune, resident_api):
    resident, client = resident_api
    assert _order(client).status_code == 201
    with in_commune(kriens):
        resident.is_active = False
        resident.save(update_fields=["is_active"])
    before = _written(kriens, in_commune)
    assert _order(client).status_code == 401
    assert _written(kriens, in_commune) == before


def test_a_harmless_change_is_read_again_and_the_order_goes_through_once(
    kriens, in_commune, resident_api
):
    resident, client = resident_api
    assert _order(client).status_code == 201
    with in_commune(kriens):
        resident.first_name = "Annina"
        resident.save(update_fields=["first_name"])
    cases, jobs, number = _written(kriens, in_commune)
    response = _order(client)
    assert response.status_code == 201
    assert _written(kriens, in_commune) == (cases + 1, jobs + 1, number + 1)
    assert response.json()["reference"].endswith(f"-{number + 1:06d}")


def test_a_refusal_on_a_kept_token_rests_on_a_fresh_read(kriens, in_commune, resident_api):
    """Invalid data with a valid token: 400 with the field's message; with a token revoked
    since this process kept it: 401, not the form's answer."""
    resident, client = resident_api
    assert _order(client).status_code == 201
    invalid = {"service": "parkkarte-test", "data": {}}
    refused = _order(client, invalid)
    assert refused.status_code == 400 and "reason" in refused.json()["data"]
    with in_commune(kriens):
        tokens_revoke(user=resident)
    before = _written(kriens, in_commune)
    assert _order(client, invalid).status_code == 401
    assert _order(client, {"service": "gibt-es-nicht", "data": {}}).status_code == 401
    assert _written(kriens, in_commune) == before


def test_other_requests_read_the_token_afresh(kriens, in_commune, resident_api):
    resident, client = resident_api
    assert _order(client).status_code == 201
    assert client.get("/api/cases/").status_code == 200
    with in_commune(kriens):
        tokens_revoke(user=resident)
    assert client.get("/api/cases/").status_code == 401
