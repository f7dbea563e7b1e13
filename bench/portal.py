"""The resident portal through the whole stack: catalogue search and case submissions.

Run from the project root: ``.venv/bin/python -m bench.portal [--rounds N] [--searches N]``

Works in the database named by ``DATABASE_URL`` and prepares what it needs from an empty one
(idempotent): the public schema, the template schema and the 80 Luzern communes, the seeded
catalogue, a bench service offered by Kriens at stage ``form`` and a bench resident with an API
token. Then it measures
- ``search_median_ms`` / ``search_p95_ms``: ``GET /api/catalog/services/?q=…`` on the public host
  (middleware, DRF, search), twelve queries in ten rounds;
- ``trivial_per_s``: the honest baseline: ``GET /bench/trivial/`` on the commune's host, a view
  the bench adds to the commune URLconf for its own run (no such URL in the portal). It goes
  through the whole stack of every commune request (host → commune routing and schema, every
  middleware of ``settings.MIDDLEWARE`` incl. session, authentication, login context, CSP and
  security headers) and answers ``{"commune": <slug>, "authenticated": false}`` as JSON: no
  template, no query of its own, anonymous (no session cookie);
- ``home_per_s``: the commune's start page for an anonymous visitor (the baseline until
  issue 13.3; it now shows search, popular services and contact, so it is no longer trivial);
- ``submit_per_s``: ``POST /api/cases/`` with a token (middleware, token authentication, DRF,
  forms engine, reference counter, case, steps, payment, permissions, audit event, case index,
  usage counter, the notification e-mail's job written to the outbox in the same transaction),
  one after the other;
- ``submit_ratio`` = ``submit_per_s / trivial_per_s`` (goal ≥ 0.3, issue 13), and
  ``submit_ratio_vs_home`` against the start page (the old, flattering figure);
- ``statements_per_submission``: every statement one submission sends to PostgreSQL, BEGIN and
  COMMIT included (``submit_statements`` lists them, abbreviated), and
  ``round_trips_per_submission``: how many times it waits for PostgreSQL (statements sent
  together in one query string count once).

The mail jobs stay in the bench database's outbox (``tenants.outbox``; the workers' relay,
not started here, would hand them to the broker; emptied at the end). The broker settings
still follow ``BROKER_URL`` if set, otherwise the bench's own Redis database
(``redis://127.0.0.1:6379/15``, emptied at the end) when Redis runs, so that no job of the
bench ever lands in a queue a worker of another database reads; else the detected broker.

The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Measured as in production: without DEBUG's query log.
os.environ.setdefault("DJANGO_DEBUG", "0")
# Notification mails of the submissions must not flood the console.
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.setdefault("LOG_LEVEL", "WARNING")
BENCH_BROKER_URL = "redis://127.0.0.1:6379/15"


def _bench_broker() -> None:
    """Publish the bench's jobs to its own Redis database unless BROKER_URL names a broker."""
    from config.broker import reachable

    if not os.environ.get("BROKER_URL") and reachable("127.0.0.1", 6379, timeout=0.25):
        os.environ["BROKER_URL"] = BENCH_BROKER_URL


_bench_broker()

import django  # noqa: E402

django.setup()

import dramatiq  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import clear_url_caches, path  # noqa: E402

from accounts import logins  # noqa: E402
from accounts.services import user_upsert  # noqa: E402
from catalog.models import Service, ServiceVersion  # noqa: E402
from catalog.offers.models import ServiceOffer, Stage  # noqa: E402
from catalog.seed.loader import seed_catalog  # noqa: E402
from catalog.services import (  # noqa: E402
    service_create,
    version_create_draft,
    version_publish,
    version_set_steps,
)
from tenants.context import in_commune  # noqa: E402
from tenants.models import Commune, OutboxJob  # noqa: E402
from tenants.services import communes_import  # noqa: E402

SERVICE_KEY = "bench-bestellung"
FORM = {
    "fields": [
        {"key": "reason", "type": "text", "required": True, "label": {"de": "Zweck"}},
        {"key": "copies", "type": "number", "required": False, "label": {"de": "Anzahl"}},
        {"key": "email", "type": "email", "required": False, "label": {"de": "E-Mail"}},
    ]
}
QUERIES = [
    "hunde",
    "zügeln",
    "umzug",
    "wohnsitzbestatigung",
    "baugesuch",
    "pass",
    "steuer",
    "kita",
    "geburtsschein",
    "parkieren",
    "abfall",
    "fischen",
]


def prepare_public() -> None:
    """Public schema, template schema, the 80 Luzern communes and the seeded catalogue."""
    call_command("migrate_schemas", "--shared", verbosity=0, interactive=False)
    if not Commune.objects.filter(slug="kriens").exists():
        communes_import()
    seed_catalog()


def _bench_service() -> Service:
    service = Service.objects.filter(key=SERVICE_KEY).first()
    if service is None:
        service = service_create(key=SERVICE_KEY, level="gemeinde")
    if not service.versions.filter(status=ServiceVersion.Status.PUBLISHED).exists():
        draft = version_create_draft(
            service=service,
            name_de="Bench-Bestellung",
            name_en="Bench order",
            summary_de="Nur für Messungen.",
            fee="10.00",
            service_norm_days=5,
            form_definition=FORM,
        )
        step = {"key": "pruefen", "name_de": "Prüfen", "name_en": "Review", "kind": "manual"}
        version_set_steps(version=draft, steps=[{**step, "responsible_group": "Einwohnerdienste"}])
        version_publish(version=draft)
    return service


def prepare_submission() -> tuple[Commune, str]:
    """The bench service offered by Kriens (stage ``form``) and a resident's API token."""
    service = _bench_service()
    commune = Commune.objects.get(slug="kriens")
    with in_commune(commune):
        ServiceOffer.objects.get_or_create(service=service, defaults={"stage": Stage.FORM})
        user, _ = user_upsert(
            email="bench-resident@example.ch", password="Bench-Passwort-2026", role="resident"
        )
        key, _token = logins.token_issue(user=user, context=logins.PASSWORD_LOGIN, label="bench")
    return commune, key


TRIVIAL_PATH = "/bench/trivial/"


def trivial_view(request: HttpRequest) -> JsonResponse:
    """The baseline: the commune and whether someone is logged in, as JSON; nothing else."""
    return JsonResponse(
        {"commune": request.commune.slug, "authenticated": request.user.is_authenticated}
    )


def install_trivial_view() -> None:
    """Add ``/bench/trivial/`` to the commune URLconf of this process (never to the portal's)."""
    urls = importlib.import_module(settings.ROOT_URLCONF)
    if not any(getattr(p, "name", None) == "bench-trivial" for p in urls.urlpatterns):
        urls.urlpatterns.insert(
            0, path(TRIVIAL_PATH.lstrip("/"), trivial_view, name="bench-trivial")
        )
        clear_url_caches()


def measure_search(rounds: int) -> dict:
    client = Client(HTTP_HOST=settings.PORTAL_DOMAIN)
    for q in QUERIES:  # warm-up
        client.get("/api/catalog/services/", {"q": q})
    timings = []
    for _round in range(rounds):
        for q in QUERIES:
            start = time.perf_counter()
            response = client.get("/api/catalog/services/", {"q": q})
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200 and response.json(), q
    median = statistics.median(timings)
    p95 = sorted(timings)[int(len(timings) * 0.95)]
    print(
        f"Katalogsuche über die API: {len(timings)} Anfragen, Median {median:.1f} ms, p95 {p95:.1f} ms"
    )
    return {"search_median_ms": round(median, 2), "search_p95_ms": round(p95, 2)}


def _rate(func, rounds: int) -> float:
    for _ in range(min(20, rounds)):
        func()
    start = time.perf_counter()
    for _ in range(rounds):
        func()
    return rounds / (time.perf_counter() - start)


def _statements(submit) -> tuple[list[str], int]:
    """The SQL statements of one submission (those sent together in one query string, as
    ``cases.services.batch.WriteBatch`` does, listed one by one) and the round trips."""
    with CaptureQueriesContext(connection) as captured:
        submit()
    sent = [query["sql"] for query in captured.captured_queries]
    # Django logs "BEGIN" when it turns autocommit off; the backend (tenants.db_backend) sends
    # it in front of the transaction's first statement: then it is no round trip of its own.
    sent = [
        sql
        for index, sql in enumerate(sent)
        if sql != "BEGIN" or not (index + 1 < len(sent) and sent[index + 1].startswith("BEGIN;"))
    ]
    # Deferred writes go with the COMMIT itself (one entry ending in COMMIT); Django's own
    # "COMMIT" logged after it sends nothing then.
    sent = [
        sql
        for index, sql in enumerate(sent)
        if sql != "COMMIT" or not (index and sent[index - 1].rstrip().endswith("COMMIT"))
    ]
    statements = []
    for sql in sent:
        if sql.startswith("BEGIN; "):
            statements.append("BEGIN")
            sql = sql.removeprefix("BEGIN; ")
        statements += [" ".join(part.split())[:90] for part in sql.split(";\n")]
    return statements, len(sent)


def measure_submission(commune: Commune, token: str, rounds: int) -> dict:
    install_trivial_view()
    host = commune.primary_domain
    anonymous = Client(HTTP_HOST=host)
    api = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Token {token}")
    body = json.dumps({"service": SERVICE_KEY, "data": {"reason": "Messung", "copies": 1}})

    def trivial() -> None:
        response = anonymous.get(TRIVIAL_PATH)
        assert response.status_code == 200 and response.json()["commune"], response.content

    def home() -> None:
        assert anonymous.get("/").status_code == 200

    def submit() -> None:
        response = api.post("/api/cases/", body, content_type="application/json")
        assert response.status_code == 201, response.content

    # Alternating halves, so a change in the machine's load hits both alike.
    trivial_rates, home_rates, submit_rates = [], [], []
    for _half in range(2):
        trivial_rates.append(_rate(trivial, rounds // 2))
        home_rates.append(_rate(home, rounds // 2))
        submit_rates.append(_rate(submit, rounds // 2))
    trivial_per_s = statistics.mean(trivial_rates)
    home_per_s = statistics.mean(home_rates)
    submit_per_s = statistics.mean(submit_rates)
    statements, round_trips = _statements(submit)
    ratio = submit_per_s / trivial_per_s
    print(f"Triviale Ansicht {TRIVIAL_PATH} (JSON): {trivial_per_s:.0f} Anfragen/s")
    print(f"Startseite der Gemeinde (früherer Vergleich): {home_per_s:.0f} Anfragen/s")
    print(f"Bestellungen über POST /api/cases/: {submit_per_s:.0f} pro Sekunde")
    print(
        f"Verhältnis: {ratio:.3f} (Ziel ≥ 0.3; gegen die Startseite "
        f"{submit_per_s / home_per_s:.3f}); {len(statements)} SQL-Anweisungen in "
        f"{round_trips} Round-Trips pro Bestellung:"
    )
    for sql in statements:
        print(f"  {sql}")
    return {
        "submit_per_s": round(submit_per_s, 1),
        "trivial_per_s": round(trivial_per_s, 1),
        "home_per_s": round(home_per_s, 1),
        "submit_ratio": round(ratio, 3),
        "submit_ratio_vs_home": round(submit_per_s / home_per_s, 3),
        "statements_per_submission": len(statements),
        "round_trips_per_submission": round_trips,
        "submit_statements": statements,
    }


def flush_bench_jobs() -> None:
    """Drop the mail jobs of the bench's submissions: from the bench database's outbox, and
    from the bench's own broker."""
    OutboxJob.objects.all().delete()
    if os.environ.get("BROKER_URL") == BENCH_BROKER_URL:
        dramatiq.get_broker().flush_all()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=600, help="requests per variant")
    parser.add_argument("--searches", type=int, default=10, help="rounds of the 12 queries")
    args = parser.parse_args()
    prepare_public()
    commune, token = prepare_submission()
    try:
        figures = measure_search(args.searches)
        figures.update(measure_submission(commune, token, args.rounds))
    finally:
        flush_bench_jobs()
    figures["broker"] = settings.DRAMATIQ_BROKER["BROKER"].rsplit(".", 1)[-1]
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
