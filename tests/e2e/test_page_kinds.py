"""Every kind of page, in a real browser at 1280, 390 and 320 CSS px: axe-core finds no WCAG
2.1 A/AA violation and nothing scrolls sideways (WCAG 1.4.10 reflow:
``document.documentElement.scrollWidth > innerWidth``). A failing page state leaves a
screenshot under ``var/e2e-failures/`` (kept as a CI artifact).

One browser context for the whole visit: logins are put in as session cookies (the test
client's ``force_login`` in the commune's schema), each page is loaded once and resized."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import QueryDict
from django.test import Client
from django.utils import translation

from billing.models import Deliverable
from billing.services.deliverables import deliverable_create
from cases.models import Draft
from cases.services import case_submit, case_withdraw, draft_save
from catalog.models import ServiceVersion
from catalog.services.own_services import commune_service_decide, commune_service_propose
from tests.cases.factories import offer, service_with_steps
from tests.factories import UserFactory

from .harness import E2E_DB

pytestmark = E2E_DB

WIDTHS = (1280, 390, 320)
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
FAILURES = Path(settings.BASE_DIR) / "var" / "e2e-failures"
LONG_NAME = "Anwohnerparkkartenbewilligungsverlängerungsgesuch für Gemeindeliegenschaften"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

PUBLIC = [
    "/",
    "/?q=Bu",
    "/katalog/",
    "/katalog/suche/?q=moving",
    "/katalog/wohnsitzbestaetigung/",
    "/katalog/wohnsitzbestaetigung/?gemeinde=gibt-es-nicht",
    "/programme/",
    # A year's report (monthly series, rollout history with the cases of today), two years
    # compared, the usage table with the share digital.
    "/programme/2026/",
    "/programme/vergleich/?a=2021&b=2026",
    "/programme/2026/nutzung/",
    "/anmelden/",
    "/kontakt/",
    "/hilfe/",
    "/impressum/",
    "/datenschutz/",
    "/barrierefreiheit/",
    "/gibt-es-nicht/",
]
COMMUNE_ANONYMOUS = [
    "/",
    "/dienstleistungen/",
    "/dienstleistungen/?q=umzug",
    "/dienstleistungen/wohnsitzbestaetigung/",
    "/login/",
    "/registrieren/",
    "/passwort-vergessen/",
    "/kontakt/",
    "/hilfe/",
    "/datenschutz/",
]
RESIDENT = [
    "/",
    "/meine-geschaefte/",
    "/meine-geschaefte/{case}/",
    "/meine-geschaefte/{withdrawn}/",
    "/meine-geschaefte/entwuerfe/{draft}/loeschen/",
    "/dienstleistungen/{key}/bestellen/",  # resumes the draft: notice, kept file, dropped field
    "/dienstleistungen/baugesuch/bestellen/",
    "/profil/",
]
STAFF = [
    "/backoffice/",
    "/backoffice/geschaefte/{case}/",
    "/verwaltung/angebot/",
    "/verwaltung/angebot/{key}/",
    "/verwaltung/eigene-leistungen/",
    "/verwaltung/eigene-leistungen/vorschlagen/",
]
# The cantonal office on the public host (Django admin of the canton).
CANTON = [
    "/admin/catalog/service/eigene-leistungen/",
    "/admin/billing/deliverable/",
    "/admin/billing/deliverable/{deliverable}/change/",
]


@pytest.fixture
def kriens_states(e2e_commune, in_commune):
    """Catalogue and offers, a resident with an open and a withdrawn case (a long service
    name), a commune administrator (also a clerk) with a pending and a rejected own service,
    cantonal staff and a deliverable."""
    call_command("seed_catalog", verbosity=0)
    kriens = e2e_commune("kriens")
    with in_commune(kriens), translation.override("de"):
        call_command("seed_offers", verbosity=0)
        version = service_with_steps(key="parkkarte-lang")
        # Published versions are immutable; test data may write the row directly.
        ServiceVersion.objects.filter(pk=version.pk).update(name_de=LONG_NAME)
        offer(version)
        resident = UserFactory(first_name="Lea", last_name="Meier-Wüthrich-Bucher")
        admin = UserFactory(admin=True, first_name="Sandra", last_name="Steiner")
        admin.groups.add(*Group.objects.all())
        case = case_submit(user=resident, service_key="parkkarte-lang", data={"reason": "Anwohner"})
        withdrawn = case_submit(user=resident, service_key="parkkarte-lang", data={"reason": "x"})
        case_withdraw(case=withdrawn, user=resident)
        # A draft with a kept upload and a value of a field the form no longer has (named as
        # dropped on the order page).
        draft = draft_save(
            user=resident,
            service_key="parkkarte-lang",
            data=QueryDict("reason=Anwohner&copies=9"),
            files={"attachment": SimpleUploadedFile("beleg.pdf", PDF, "application/pdf")},
        ).draft
        Draft.objects.filter(pk=draft.pk).update(values={**draft.values, "vehicle": ["LU 12345"]})
        commune_service_propose(
            user=admin, name_de=LONG_NAME, summary_de="Für Liegenschaften der Gemeinde."
        )
        rejected = commune_service_propose(
            user=admin, name_de="Bootsplatz mieten", summary_de="Am Seeufer."
        )
    canton = UserFactory(canton=True, email="egov@lu.ch")
    commune_service_decide(
        user=canton, service=rejected, approve=False, reason="Deckt die Parkkarte schon ab."
    )
    deliverable = deliverable_create(
        kind=Deliverable.Kind.STAGE,
        title=f"{LONG_NAME} automatisiert",
        service_key="wohnsitzbestaetigung",
        stage="automated",
        communes=12,
        delivered_on=datetime.date(2025, 3, 15),
    )
    # No ledger booking here: the ledger refuses the TRUNCATE that ends a browser test.
    return {
        "commune": kriens,
        "resident": resident,
        "admin": admin,
        "canton": canton,
        "fill": {
            "case": case.pk,
            "withdrawn": withdrawn.pk,
            "key": "parkkarte-lang",
            "draft": draft.pk,
            "deliverable": deliverable.pk,
        },
    }


def _session_cookie(commune, user, in_commune) -> str:
    client = Client(HTTP_HOST=commune.primary_domain)
    with in_commune(commune):
        client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def _check(page, axe: Axe, url: str, problems: list[str]) -> None:
    """Load ``url`` once, then at each width: overflow and axe; a screenshot per failure."""
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    response = page.goto(url)
    assert response is not None and response.status < 500, url
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        found = []
        overflow = _overflow(page)
        if overflow > 0:
            found.append(f"{overflow}px seitlich zu breit")
        results = axe.run(page, options=AXE_OPTIONS)
        for violation in results.response["violations"]:
            targets = [n["target"] for n in violation["nodes"]][:3]
            found.append(f"axe {violation['id']} ({violation['impact']}): {targets}")
        if found:
            FAILURES.mkdir(parents=True, exist_ok=True)
            parts = urlsplit(url)
            where = f"{parts.hostname}{parts.path}{parts.query}-{width}"
            name = re.sub(r"[^a-z0-9]+", "-", where.lower()).strip("-")
            page.screenshot(path=str(FAILURES / f"{name}.png"), full_page=True)
            problems.extend(f"{url} @ {width}px: {p}" for p in found)


def test_every_page_kind_reflows_and_passes_axe(kriens_states, chromium, portal_server, in_commune):
    """No page state (public, commune, resident, staff; German and English) has an axe
    WCAG 2.1 A/AA violation or scrolls sideways at 1280, 390 or 320 px."""
    commune = kriens_states["commune"]
    fill = kriens_states["fill"]
    host = f"{commune.slug}.localhost"
    context = chromium.new_context(locale="de-CH")
    context.set_default_timeout(15_000)
    page = context.new_page()
    axe = Axe()
    problems: list[str] = []
    try:
        for path in PUBLIC:
            _check(page, axe, portal_server.url(None, path), problems)
        for path in COMMUNE_ANONYMOUS:
            _check(page, axe, portal_server.url(commune.slug, path), problems)
        for role, paths in (("resident", RESIDENT), ("admin", STAFF)):
            cookie = _session_cookie(commune, kriens_states[role], in_commune)
            context.clear_cookies()
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": cookie,
                        "domain": host,
                        "path": "/",
                    }
                ]
            )
            for path in paths:
                _check(page, axe, portal_server.url(commune.slug, path.format(**fill)), problems)
        # The cantonal office's pages on the public host.
        canton = Client(HTTP_HOST="localhost")
        canton.force_login(kriens_states["canton"])
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": canton.cookies[settings.SESSION_COOKIE_NAME].value,
                    "domain": "localhost",
                    "path": "/",
                }
            ]
        )
        for path in CANTON:
            _check(page, axe, portal_server.url(None, path.format(**fill)), problems)
        # The same resident pages in English (the language cookie, as the switch sets it).
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "domain": host, "path": "/"}]
        )
        for path in ("/", "/hilfe/", "/backoffice/"):
            _check(page, axe, portal_server.url(commune.slug, path.format(**fill)), problems)
        # The programme report in English (public host).
        context.add_cookies(
            [
                {
                    "name": settings.LANGUAGE_COOKIE_NAME,
                    "value": "en",
                    "domain": "localhost",
                    "path": "/",
                }
            ]
        )
        _check(page, axe, portal_server.url(None, "/programme/2026/"), problems)
        english = page.evaluate("() => document.documentElement.lang")
        assert english == "en", english
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
