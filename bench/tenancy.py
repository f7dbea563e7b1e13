"""Tenancy benchmark: onboarding (clone vs. django-tenants' standard path) and routing overhead.

Runs against a dedicated database <DATABASE_URL's name>_bench, created and dropped here:

    .venv/bin/python -m bench.tenancy [--clones 20] [--standard 5] [--requests 6000] [--keep]
    .venv/bin/python -m bench.tenancy --routing-only   # the routing figures alone

Last line: one JSON object with onboard_s_per_commune_clone, onboard_s_per_commune_standard,
onboard_all_80_s and routing_overhead_ratio (plus the raw figures behind them).
"""

from __future__ import annotations

import argparse
import copy
import gc
import io
import json
import random
import statistics
import time

import django

from bench._db import bench_database, prepare_environment

TENANT_PATH = "/bench/tenant-row/"
PLAIN_PATH = "/bench/plain-row/"


def _onboarding(clones: int, standard: int) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from tenants import schema_clone
    from tenants.models import Commune, Domain
    from tenants.services import (
        OnboardingSession,
        commune_domain,
        commune_schema_name,
        communes_import,
    )

    figures: dict = {}
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    figures["migrate_shared_s"] = time.perf_counter() - started

    started = time.perf_counter()
    schema_clone.template_ensure()
    figures["template_build_s"] = time.perf_counter() - started

    started = time.perf_counter()
    result = communes_import()
    figures["onboard_all_80_s"] = time.perf_counter() - started
    figures["imported"] = len(result.created)
    print(
        f"Vorlage-Schema migriert in {figures['template_build_s']:.2f} s; "
        f"{len(result.created)} Luzerner Gemeinden importiert (communes_import) in "
        f"{figures['onboard_all_80_s']:.2f} s = "
        f"{figures['onboard_all_80_s'] / max(1, len(result.created)):.3f} s pro Gemeinde"
    )

    # Clone path: one session (one introspection of the template), then one clone per commune.
    started = time.perf_counter()
    session = OnboardingSession()
    figures["clone_session_s"] = time.perf_counter() - started
    per_clone = []
    for i in range(clones):
        t0 = time.perf_counter()
        session.onboard(bfs_number=9900 + i, name=f"Bench Klon {i:02d}", canton="ZZ")
        per_clone.append(time.perf_counter() - t0)
    figures["clone_median_s"] = statistics.median(per_clone)
    figures["clone_mean_incl_session_s"] = (figures["clone_session_s"] + sum(per_clone)) / clones
    print(
        f"Klonen: {clones} Gemeinden, Median {figures['clone_median_s']:.3f} s, "
        f"Mittel inkl. Vorbereitung {figures['clone_mean_incl_session_s']:.3f} s pro Gemeinde"
    )

    # django-tenants' standard path: CREATE SCHEMA + migrate_schemas for the new schema
    # (TenantMixin.create_schema without TENANT_BASE_SCHEMA).
    per_standard = []
    for i in range(standard):
        t0 = time.perf_counter()
        commune = Commune.objects.create(
            schema_name=commune_schema_name(9950 + i),
            bfs_number=9950 + i,
            name=f"Bench Standard {i:02d}",
            slug=f"bench-standard-{i:02d}",
            canton="ZZ",
            district="Bench",
        )
        commune.create_schema(check_if_exists=True, verbosity=0)
        Domain.objects.create(domain=commune_domain(commune.slug), tenant=commune, is_primary=True)
        connection.set_schema_to_public()
        per_standard.append(time.perf_counter() - t0)
    figures["standard_median_s"] = statistics.median(per_standard)
    print(
        f"Standardweg (CREATE SCHEMA + migrate_schemas): {standard} Gemeinden, "
        f"Median {figures['standard_median_s']:.3f} s pro Gemeinde"
    )
    return figures


def _environ(path: str, host: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": host.split(":")[0],
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def _call(handler, path: str, host: str) -> int:
    status = []

    def start_response(code, headers, exc_info=None):
        status.append(code)

    t0 = time.perf_counter_ns()
    response = handler(_environ(path, host), start_response)
    body = b"".join(response)
    response.close()
    elapsed = time.perf_counter_ns() - t0
    if not status or not status[0].startswith("200") or not body:
        raise RuntimeError(f"{host}{path}: {status} {body[:200]!r}")
    return elapsed


def _routing(requests: int, rounds: int) -> dict:
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection, connections
    from django.test.utils import override_settings
    from django_tenants.utils import schema_context

    from accounts.services import user_upsert
    from tenants.models import Commune

    kriens = Commune.objects.get(slug="kriens")
    with schema_context(kriens.schema_name):
        user_upsert(email="bench@kriens.ch", password="bench-pw-123456", role="resident")
    connection.set_schema_to_public()
    host = f"{kriens.primary_domain}:8000"

    tenant_middleware = list(settings.MIDDLEWARE)
    plain_middleware = [m for m in tenant_middleware if m != "tenants.middleware.CommuneMiddleware"]
    assert len(plain_middleware) == len(tenant_middleware) - 1
    with override_settings(MIDDLEWARE=tenant_middleware):
        tenant_handler = WSGIHandler()
    with override_settings(MIDDLEWARE=plain_middleware):
        plain_handler = WSGIHandler()

    # Sanity: each path reads the commune's row, the plain one without any tenant code.
    with connections["plain"].cursor() as cursor:
        cursor.execute("SHOW search_path")
        plain_path = cursor.fetchone()[0]
    print(f"Plain-Django-Verbindung: search_path = {plain_path}")

    # Alternating: every request goes to the other commune, so each one switches the schema.
    emmen_commune = Commune.objects.get(slug="emmen")
    emmen = f"{emmen_commune.primary_domain}:8000"
    with schema_context(emmen_commune.schema_name):
        user_upsert(email="bench@emmen.ch", password="bench-pw-123456", role="resident")
    connection.set_schema_to_public()
    turn = [0]

    def alternating() -> int:
        turn[0] += 1
        return _call(tenant_handler, TENANT_PATH, host if turn[0] % 2 else emmen)

    samples = {"tenant": [], "plain": [], "alternating": []}
    variants = [
        ("tenant", lambda: _call(tenant_handler, TENANT_PATH, host)),
        ("plain", lambda: _call(plain_handler, PLAIN_PATH, host)),
        ("alternating", alternating),
    ]
    for _ in range(300):  # warm-up: URL resolver, template of nothing, connections, caches
        for _name, call in variants:
            call()
    # Rounds in random order, so a change in the machine's load hits every variant alike.
    per_round = max(2, requests // rounds)
    round_ratios, alternating_ratios = [], []
    for _ in range(rounds):
        random.shuffle(variants)
        medians = {}
        for name, call in variants:
            gc.collect()
            times = [call() for _ in range(per_round)]
            samples[name].extend(times)
            medians[name] = statistics.median(times)
        round_ratios.append(medians["tenant"] / medians["plain"])
        alternating_ratios.append(medians["alternating"] / medians["plain"])
    alternating = samples["alternating"]
    tenant_ms = statistics.median(samples["tenant"]) / 1e6
    plain_ms = statistics.median(samples["plain"]) / 1e6
    figures = {
        "routing_tenant_median_ms": tenant_ms,
        "routing_plain_median_ms": plain_ms,
        "routing_overhead_ms": tenant_ms - plain_ms,
        "routing_overhead_ratio": tenant_ms / plain_ms,
        "routing_ratio_per_round_min": min(round_ratios),
        "routing_ratio_per_round_max": max(round_ratios),
        "routing_requests_per_variant": len(samples["tenant"]),
        "routing_alternating_communes_median_ms": statistics.median(alternating) / 1e6,
        "routing_alternating_ratio": statistics.median(alternating) / 1e6 / plain_ms,
        "routing_alternating_ratio_per_round_median": statistics.median(alternating_ratios),
    }
    print(
        f"Routing: Gemeinde-Host über den ganzen Mandanten-Stack {tenant_ms:.3f} ms, "
        f"Plain Django (search_path fest) {plain_ms:.3f} ms (Median, je "
        f"{len(samples['tenant'])} Anfragen in {rounds} Runden) → Verhältnis "
        f"{figures['routing_overhead_ratio']:.3f} (Runden {min(round_ratios):.3f}–"
        f"{max(round_ratios):.3f}), Mehrkosten {figures['routing_overhead_ms'] * 1000:.0f} µs"
    )
    print(
        "Abwechselnd Kriens/Emmen (jede Anfrage wechselt das Schema) "
        f"{figures['routing_alternating_communes_median_ms']:.3f} ms (Median) → Verhältnis "
        f"{figures['routing_alternating_ratio']:.3f}"
    )
    return figures


def _configure_plain_alias(schema: str) -> None:
    """A second alias on the same database: Django's own backend, search_path fixed."""
    from django.conf import settings

    plain = copy.deepcopy(settings.DATABASES["default"])
    plain["ENGINE"] = "django.db.backends.postgresql"
    plain.setdefault("OPTIONS", {})["options"] = f"-c search_path={schema},public"
    settings.DATABASES["plain"] = plain


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clones", type=int, default=20)
    parser.add_argument("--standard", type=int, default=5)
    parser.add_argument("--requests", type=int, default=6000, help="per variant")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--routing-only", action="store_true", help="import the communes, measure routing only"
    )
    args = parser.parse_args()

    prepare_environment()
    with bench_database("bench", keep=args.keep) as name:
        print(f"Bench-Datenbank: {name}")
        from django.conf import settings

        settings.ROOT_URLCONF = "bench._tenancy_urls"
        # Kriens (BFS 1059) is the commune whose host the routing benchmark requests.
        _configure_plain_alias("gemeinde_1059")
        django.setup()
        if args.routing_only:
            from django.core.management import call_command

            from tenants.services import communes_import

            call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
            communes_import()
            figures = _routing(args.requests, args.rounds)
            print(json.dumps({k: round(v, 4) for k, v in figures.items()}))
            return 0
        figures = _onboarding(args.clones, args.standard)
        figures.update(_routing(args.requests, args.rounds))

    summary = {
        "onboard_s_per_commune_clone": round(figures["clone_mean_incl_session_s"], 4),
        "onboard_s_per_commune_standard": round(figures["standard_median_s"], 4),
        "onboard_all_80_s": round(figures["onboard_all_80_s"], 3),
        "routing_overhead_ratio": round(figures["routing_overhead_ratio"], 4),
        "routing_alternating_ratio": round(figures["routing_alternating_ratio"], 4),
        **{k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()},
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
