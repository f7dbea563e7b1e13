"""The API under schemathesis: generated and mutated requests against the public and a commune
host, anonymous, as a resident and as a clerk. Any 5xx or any answer that disagrees with the
OpenAPI schema fails. The budget is bounded (``FUZZ_EXAMPLES`` per operation)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, settings

from config.wsgi import application
from tests.factories import UserFactory
from tests.identity import api_token

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """The WSGI handler closes the database connection after each request; the test's
    transaction must survive (Django's own test client does the same)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def commune_schema(kriens):
    return schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", application, headers={"Host": kriens.primary_domain}
    )


@pytest.fixture
def public_schema(db):
    return schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", application, headers={"Host": "localhost"}
    )


commune = schemathesis.pytest.from_fixture("commune_schema")
public = schemathesis.pytest.from_fixture("public_schema")

# "Schema-valid request rejected" cannot hold for this API: a well-formed order names a service
# key or case id that need not exist. Every other check of schemathesis runs.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.fixture
def seats(kriens, in_commune):
    from tests.cases.factories import clerk_in, offer, service_with_steps

    version = service_with_steps(key="parkkarte-test")
    with in_commune(kriens):
        offer(version)
        return {"resident": UserFactory(), "clerk": clerk_in("Einwohnerdienste")}


def _token(commune, user) -> str:
    """A fresh token per request: the fuzzer also calls logout, which revokes the token."""
    with schema_context(commune.schema_name):
        return api_token(user)


def _call_as(case, commune, user) -> None:
    case.call_and_validate(
        excluded_checks=EXCLUDED,
        headers={"Host": commune.primary_domain, "Authorization": f"Token {_token(commune, user)}"},
    )


@commune.parametrize()
@FUZZ
def test_commune_api_as_resident(case, kriens, seats):
    _call_as(case, kriens, seats["resident"])


@commune.parametrize()
@FUZZ
def test_commune_api_as_clerk(case, kriens, seats):
    _call_as(case, kriens, seats["clerk"])


@public.parametrize()
@FUZZ
def test_public_api(case):
    case.call_and_validate(excluded_checks=EXCLUDED, headers={"Host": "localhost"})
