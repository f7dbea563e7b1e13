"""Browser test harness: a live Django server, headless Chromium, and a database that stays
usable for the rest of the suite.

How the database is handled (read this before writing a browser test):

* The live server answers in its own thread with its own connection, so it only sees
  committed rows: browser tests are transactional (mark them with ``harness.E2E_DB``).
* After each transactional test pytest-django flushes the public schema with
  ``TRUNCATE … CASCADE``. That wipes the session's commune and domain rows (and, through the
  cascade, every commune table that points at a public table, such as offers and cases), but
  leaves the commune schemas and their own rows (users, sessions) in place.
* ``_public_baseline`` (once per package) serializes the public rows the session set up
  (communes, domains, population figures, and whatever else the session fixtures seeded)
  before the first browser test, and puts them back whenever they are missing: before every
  browser test and after the last one, so tests that run later in the session, and the next
  session with ``--reuse-db``, find the 80 communes as before.
* ``e2e_commune("kriens")`` hands out a commune and marks it as used; after the test its
  schema is dropped and cloned afresh from the template (what onboarding does), so users,
  sessions and lockouts a browser test created never leak into other tests.
* If the communes are already gone when the first browser test starts (another transactional
  test flushed them without restoring), the orphaned commune schemas are dropped and the
  communes imported again (about half a minute).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from io import StringIO

import pytest
from django.apps import apps
from django.core import serializers
from django.db import connection, router, transaction
from django.test.utils import override_settings
from django_tenants.utils import get_public_schema_name, schema_exists

from tenants import schema_clone
from tenants.models import Commune
from tenants.routing import invalidate_host_cache
from tenants.services import communes_import

from .harness import CHROMIUM_ARGS

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# Rows of these apps are recreated by post_migrate or are per-test state; never restored.
_NOT_RESTORED = {"contenttypes", "auth", "sessions", "admin", "axes", "guardian"}


def _public_models() -> list:
    connection.set_schema_to_public()
    existing = set(connection.introspection.table_names())
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in _NOT_RESTORED
        and not model._meta.proxy
        and model._meta.managed
        and model._meta.db_table in existing
        and router.allow_migrate_model(connection.alias, model)
    ]


def _serialize_public() -> str:
    out = StringIO()
    objects = (obj for model in _public_models() for obj in model._base_manager.order_by("pk"))
    serializers.serialize("json", objects, stream=out)
    return out.getvalue()


def _restore_public(snapshot: str) -> None:
    connection.set_schema_to_public()
    with transaction.atomic():
        for obj in serializers.deserialize("json", snapshot):
            obj.save()
    invalidate_host_cache()


def _reimport_communes() -> None:
    """Communes gone but schemas left: drop the orphans and import the communes again."""
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'gemeinde\\_%%'")
        orphans = [row[0] for row in cursor.fetchall()]
        for schema in orphans:
            cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')
    communes_import()
    connection.set_schema_to_public()
    invalidate_host_cache()


@pytest.fixture(scope="package")
def _public_baseline(django_db_setup, django_db_blocker) -> Iterator[str]:
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        if not Commune.objects.exists():
            _reimport_communes()
        snapshot = _serialize_public()
    yield snapshot
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        if not Commune.objects.exists():
            _restore_public(snapshot)


@pytest.fixture
def e2e_db(request, transactional_db, _public_baseline) -> None:
    """The session's public rows, present at the start of a browser test."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("available_apps"):
        pytest.fail(
            "Browser-Tests brauchen pytestmark = harness.E2E_DB (siehe tests/e2e/conftest.py)"
        )
    connection.set_schema_to_public()
    if not Commune.objects.exists():
        _restore_public(_public_baseline)


@pytest.fixture
def e2e_commune(e2e_db) -> Iterator:
    """``e2e_commune("kriens")``: the commune, whose schema is reset after the test."""
    used: list[str] = []

    def get(slug: str) -> Commune:
        connection.set_schema_to_public()
        commune = Commune.objects.get(slug=slug)
        used.append(commune.schema_name)
        return commune

    yield get
    if used:
        connection.set_schema_to_public()
        schema_clone.template_ensure()  # a --reuse-db run may have brought new migrations
        script = schema_clone.build_clone_script()
        for schema in dict.fromkeys(used):
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            schema_clone.clone_schema(schema, script)
        connection.set_schema_to_public()
        assert connection.schema_name == get_public_schema_name()
        assert all(schema_exists(s) for s in used)


class PortalServer:
    """The live server; ``url("kriens", "/profil/")`` → http://kriens.localhost:<port>/profil/."""

    def __init__(self, live) -> None:
        self.live = live
        self.port = live.thread.port

    def url(self, slug: str | None = None, path: str = "/") -> str:
        host = f"{slug}.localhost" if slug else "localhost"
        return f"http://{host}:{self.port}{path}"


@pytest.fixture(scope="session")
def portal_server(django_db_setup) -> Iterator[PortalServer]:
    """A live server thread for the whole session (not pytest-django's ``live_server``, whose
    helper would take over the database handling described above)."""
    from pytest_django.live_server_helper import LiveServer

    live = LiveServer("localhost:0")
    server = PortalServer(live)
    # Links between hosts (public ↔ commune) use the port the browser talks to.
    with override_settings(PORTAL_PORT=str(server.port)):
        yield server
    live.stop()


def _chromium_or_fail() -> str:
    # tests/needs.py already skipped these tests (or, on CI, failed them) when Chromium is
    # missing; this only guards a browser that vanished during the run.
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    pytest.fail(f"{CHROMIUM} fehlt: bitte `apt-get install -y chromium` ausführen (siehe README)")


@pytest.fixture(scope="session")
def chromium() -> Iterator:
    """Debian's headless Chromium, driven by Playwright, once per session."""
    executable = _chromium_or_fail()
    # Playwright's sync API keeps an event loop in this thread; Django would otherwise refuse
    # ORM calls from the test body as "async".
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_page(chromium, portal_server, e2e_db) -> Iterator:
    """``open_page()``: another page with its own cookies, e.g. the clerk beside the resident."""
    contexts = []

    def make():
        context = chromium.new_context(locale="de-CH", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.portal = portal_server
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def browser_page(open_page) -> Iterator:
    """A fresh page (own cookies) in German; ``page.portal`` is the PortalServer."""
    return open_page()
