"""Test fixtures: the real PostgreSQL, with the 80 Luzern communes imported once per database.

The communes (schemas cloned from the template) are created in ``django_db_setup`` and kept
with ``--reuse-db``; each test runs in a transaction that is rolled back. Only this file and
the tenancy tests know about schemas; other tests use ``in_commune`` and ``commune_client``.
"""

from __future__ import annotations

import contextlib

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import translation
from django_tenants.utils import schema_context

from tenants.models import Commune
from tenants.prepared import kept_forget_all
from tenants.routing import invalidate_host_cache
from tenants.services import communes_import
from tests.needs import (  # noqa: F401  (hooks: RabbitMQ/Chromium missing → skipped or, on CI, failed)
    pytest_collection_modifyitems,
    pytest_runtest_setup,
    pytest_terminal_summary,
)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        communes_import()
        connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _public_schema_between_tests():
    """Every test starts and ends in the public schema, in German, with an empty host cache
    and no rows kept from another test's (rolled back) data."""
    connection.set_schema_to_public()
    invalidate_host_cache()
    kept_forget_all()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    connection.set_schema_to_public()
    invalidate_host_cache()
    translation.activate(settings.LANGUAGE_CODE)


def _commune(slug: str) -> Commune:
    connection.set_schema_to_public()
    return Commune.objects.get(slug=slug)


@pytest.fixture
def kriens(db) -> Commune:
    return _commune("kriens")


@pytest.fixture
def emmen(db) -> Commune:
    return _commune("emmen")


@pytest.fixture
def in_commune():
    """``with in_commune(kriens): ...`` runs code in that commune's schema."""

    @contextlib.contextmanager
    def enter(commune: Commune):
        with schema_context(commune.schema_name):
            yield commune

    return enter


@pytest.fixture
def commune_client():
    """``commune_client(kriens, user=anna)``: a test client for the commune's host, optionally
    logged in as a user of that commune (the session lives in the commune's schema)."""

    def make(commune: Commune, user=None, **defaults) -> Client:
        client = Client(HTTP_HOST=commune.primary_domain, **defaults)
        if user is not None:
            with schema_context(commune.schema_name):
                client.force_login(user)
                _carry_login(client, user)
        return client

    return make


def _carry_login(client: Client, user) -> None:
    """A provider login attached to ``user`` (tests.identity.verified_login) goes into the
    client's session, as the login callback would have put it there."""
    login = getattr(user, "portal_login", None)
    if login is not None and login.login_id:
        from accounts.logins import SESSION_LEVEL, SESSION_LOGIN_ID

        session = client.session
        session[SESSION_LOGIN_ID] = login.login_id
        session[SESSION_LEVEL] = login.level
        session.save()


@pytest.fixture
def public_client() -> Client:
    return Client(HTTP_HOST="localhost")


@pytest.fixture(scope="session")
def identity_provider_url():
    """The reference identity provider as a real process on a free loopback port."""
    from integrations.reference import processes

    provider = processes.start_register("identity", port=0)
    yield provider.url
    provider.stop()


@pytest.fixture
def identity_provider(identity_provider_url, settings):
    """Points the portal's OIDC settings at the reference provider; resets its failure mode."""
    from accounts.oidc import provider_cache_clear
    from integrations.reference import processes

    settings.OIDC = {
        **settings.OIDC,
        "discovery_url": f"{identity_provider_url}/.well-known/openid-configuration",
        "client_id": "einwohnerportal",
        "client_secret": "dev-oidc-secret",
    }
    provider_cache_clear()
    processes.control(identity_provider_url, "ok")
    yield identity_provider_url
    processes.control(identity_provider_url, "ok")
    provider_cache_clear()


@pytest.fixture(scope="session", autouse=True)
def _staff_logins_pass_the_second_factor():
    """``client.force_login(staff)`` in tests stands for a complete staff login: password and
    second factor (a confirmed TOTP device, marked in the session as django-otp's login does).
    Tests of the second factor itself use ``tests.identity.login_without_second_factor``."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts import second_factor

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if second_factor.is_staff_account(user) and not getattr(user, "_without_otp", False):
            second_factor.totp_device_ensure(user=user)
            device = second_factor.TOTPDevice.objects.get(user=user, name=second_factor.TOTP_NAME)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    Client.force_login = force_login
    yield
    Client.force_login = original
