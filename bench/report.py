"""How fast is the yearly Fünfliber report over ≥ 1,000,000 digital cases?

Run: DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python -m bench.report [--cases N]

Works in its own database ``<DATABASE_URL name>_bench`` (created and migrated for the public
schema on first use, left in place for re-runs). It imports the 80 Luzern communes (public rows
only, no schemas), books the 2021 contributions and a budget, generates the per-case usage rows
with one ``generate_series`` INSERT and derives the monthly counters with one GROUP BY, exactly
the shape ``billing.services.usage_record_*`` keeps (7 % of the orders recorded by a clerk,
not digital), plus the monthly offer snapshots 2021–2024 and 20 paid deliverables that the
exports' rollout history and deliverables sections read. Then it times the yearly report page
(GET /programme/2021/ on the public host: queries + charts + HTML) and prints ``report_s``
(goal ≤ 1 s), the first download of the 2021 report as PDF and XLSX (``pdf_s``, ``xlsx_s``,
goals ≤ 1 s each; request included) and, as the last line, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from urllib.parse import urlsplit, urlunsplit

GOAL_S = 1.0


def _bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/einwohnerportal")
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "einwohnerportal"
    if not name.endswith("_bench"):
        name = f"{name}_bench"
    return urlunsplit(parts._replace(path=f"/{name}"))


def _ensure_database(url: str) -> bool:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            return True
    return False


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("BROKER_URL", "stub:")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The cost of computing the report, not of reading it from the cache (billing.selectors.kept).
    os.environ["PROGRAMME_REPORT_CACHE_SECONDS"] = "0"
    import django

    django.setup()


def _seed_public() -> None:
    from django.core.management import call_command

    from catalog.models import OfferIndex, Service
    from tenants.importer import read_luzern_communes
    from tenants.models import Commune, PopulationFigure
    from tenants.services import commune_schema_name, commune_slug

    call_command("migrate_schemas", "--shared", verbosity=0, interactive=False)
    if Commune.objects.count() < 80:
        records = read_luzern_communes()
        communes = Commune.objects.bulk_create(
            [
                Commune(
                    schema_name=commune_schema_name(r.bfs_number),
                    bfs_number=r.bfs_number,
                    name=r.name,
                    slug=commune_slug(r.name),
                    district=r.district,
                    valid_from=r.valid_from,
                    valid_to=r.valid_to,
                )
                for r in records
            ],
            ignore_conflicts=True,
        )
        by_bfs = {c.bfs_number: c for c in Commune.objects.all()}
        PopulationFigure.objects.bulk_create(
            [
                PopulationFigure(
                    commune=by_bfs[r.bfs_number], year=year, residents=residents, source=source
                )
                for r in records
                for year, (residents, source) in r.populations.items()
            ],
            ignore_conflicts=True,
        )
        del communes
    if not Service.objects.exists():
        services = Service.objects.bulk_create(
            [Service(key=f"leistung-{i:02d}", level="gemeinde") for i in range(30)]
        )
        offers = []
        for index, commune in enumerate(Commune.objects.order_by("bfs_number")):
            for position, service in enumerate(services):
                if (index * 7 + position * 3) % 10 < 8:
                    stage = ("link", "form", "automated")[(index + position) % 3]
                    offers.append(OfferIndex(commune=commune, service=service, stage=stage))
        OfferIndex.objects.bulk_create(offers)
    _seed_snapshots()


def _seed_snapshots() -> None:
    """The monthly offer snapshots 2021–2024 (every offer every month, as ``rollout_snapshot``
    writes them): an offer stays at ``link`` until its month of change, then has its stage."""
    import datetime as dt

    from catalog.models import OfferIndex, OfferSnapshot

    if OfferSnapshot.objects.exists():
        return
    months = [dt.date(year, month, 1) for year in range(2021, 2025) for month in range(1, 13)]
    rows = []
    for offer in OfferIndex.objects.order_by("commune_id", "service_id"):
        change = (offer.commune_id * 5 + offer.service_id * 11) % len(months)
        for index, month in enumerate(months):
            stage = offer.stage if index >= change else "link"
            rows.append(
                OfferSnapshot(
                    commune_id=offer.commune_id,
                    service_id=offer.service_id,
                    month=month,
                    stage=stage,
                )
            )
    OfferSnapshot.objects.bulk_create(rows, batch_size=5000)


def _seed_deliverables(user) -> None:
    """20 deliverables of 2021, each paid by one linked expenditure."""
    import datetime as dt
    from decimal import Decimal

    from billing.models import Category, Deliverable, ExpenditureLink, Kind
    from billing.services import ledger_entry_book

    if Deliverable.objects.exists():
        return
    for index in range(20):
        item = Deliverable.objects.create(
            kind=Deliverable.Kind.STAGE,
            title=f"Leistung {index:02d} automatisiert",
            service_key=f"leistung-{index:02d}",
            stage="automated",
            communes=10 + index,
            delivered_on=dt.date(2021, index % 12 + 1, 15),
        )
        entry = ledger_entry_book(
            year=2021,
            kind=Kind.EXPENDITURE,
            category=Category.INTERFACES,
            amount=Decimal("2500.00") + index,
            text=f"Rechnung Ergebnis {index:02d}",
            booked_by=user,
            booking_date=dt.date(2021, index % 12 + 1, 1),
        )
        ExpenditureLink.objects.create(entry=entry, deliverable=item)


def _seed_ledger() -> None:
    from decimal import Decimal

    from accounts.models import User
    from billing.models import Category, Kind, LedgerEntry
    from billing.services import contributions_book, ledger_entry_book

    user, _ = User.objects.get_or_create(
        email="bench@lu.ch", defaults={"role": User.Role.CANTON, "is_staff": True}
    )
    contributions_book(year=2021, booked_by=user)
    if not LedgerEntry.objects.filter(kind=Kind.BUDGET).exists():
        for category in Category.values:
            ledger_entry_book(
                year=2021,
                kind=Kind.BUDGET,
                category=category,
                amount=Decimal("150000.00"),
                text="Budget 2021",
                booked_by=user,
            )
            ledger_entry_book(
                year=2021,
                kind=Kind.EXPENDITURE,
                category=category,
                amount=Decimal("98765.40"),
                text="Rechnungen 2021",
                booked_by=user,
            )
    _seed_deliverables(user)


GENERATE_CASES = """
INSERT INTO billing_usagecase
    (commune_bfs, case_id, service_key, month, submitted_at, outside_office_hours,
     completed_at, automated, digital)
SELECT
    b.bfs[1 + (g %% array_length(b.bfs, 1))],
    gen_random_uuid(),
    'leistung-' || lpad(((g / 80) %% 30)::text, 2, '0'),
    date_trunc('month', x.s AT TIME ZONE 'Europe/Zurich')::date,
    x.s,
    extract(isodow FROM x.s AT TIME ZONE 'Europe/Zurich') >= 6
        OR (x.s AT TIME ZONE 'Europe/Zurich')::time < time '08:00'
        OR (x.s AT TIME ZONE 'Europe/Zurich')::time >= time '17:00',
    CASE WHEN x.done THEN x.s + x.duration END,
    CASE WHEN x.done THEN x.auto END,
    x.digital
FROM generate_series(1, %(cases)s) AS g,
     (SELECT %(bfs)s::int[] AS bfs) AS b,
     LATERAL (
        SELECT timestamptz '2021-01-01 00:00 Europe/Zurich'
                 + (g * 0 + random() * 1461 * 86400) * interval '1 second' AS s,
               random() < 0.9 AS done,
               random() * 5 * 86400 * interval '1 second' AS duration,
               random() < 0.45 AS auto,
               random() < 0.93 AS digital
     ) AS x
"""

AGGREGATE = """
INSERT INTO billing_usagemonthly
    (commune_bfs, service_key, month, digital_cases, recorded_cases, outside_office_hours,
     completed_cases, automated_cases, processing_seconds)
SELECT commune_bfs, service_key, month, count(*) FILTER (WHERE digital),
       count(*) FILTER (WHERE NOT digital),
       count(*) FILTER (WHERE outside_office_hours),
       count(completed_at),
       count(*) FILTER (WHERE automated),
       coalesce(sum(extract(epoch FROM completed_at - submitted_at))::bigint, 0)
FROM billing_usagecase GROUP BY commune_bfs, service_key, month
"""


def _seed_usage(cases: int, regenerate: bool) -> tuple[int, float]:
    from django.db import connection, transaction

    from billing.models import UsageCase
    from tenants.models import Commune

    present = UsageCase.objects.count()
    if present >= cases and not regenerate:
        return present, 0.0
    started = time.perf_counter()
    bfs = list(Commune.objects.order_by("bfs_number").values_list("bfs_number", flat=True))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE billing_usagecase, billing_usagemonthly")
        cursor.execute(GENERATE_CASES, {"cases": cases, "bfs": bfs})
        cursor.execute(AGGREGATE)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE billing_usagecase")
        cursor.execute("ANALYZE billing_usagemonthly")
    return cases, time.perf_counter() - started


def _time(fn, runs: int) -> tuple[float, float]:
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        durations.append(time.perf_counter() - started)
    return durations[0], statistics.median(durations)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--regenerate", action="store_true", help="generate the cases anew")
    args = parser.parse_args(argv)

    url = _bench_database_url()
    created = _ensure_database(url)
    _setup(url)
    from django.db import connection
    from django.test import Client

    from billing.models import UsageMonthly
    from billing.selectors import report_build
    from catalog.models import OfferSnapshot

    print(f"Datenbank: {urlsplit(url).path.lstrip('/')}{' (neu angelegt)' if created else ''}")
    _seed_public()
    _seed_ledger()
    cases, seed_s = _seed_usage(args.cases, args.regenerate)
    months = UsageMonthly.objects.count()
    snapshots = OfferSnapshot.objects.count()
    print(
        f"Fälle (pro Fall): {cases:,}  Zählerzeilen (Monat): {months:,}  erzeugt in {seed_s:.1f} s"
    )

    client = Client(HTTP_HOST="localhost")
    connection.close()

    def page() -> None:
        response = client.get("/programme/2021/")
        assert response.status_code == 200, response.status_code

    first_s, report_s = _time(page, args.runs)
    _, selector_s = _time(lambda: report_build(year=2021), args.runs)
    _, whole_s = _time(lambda: client.get("/programme/"), args.runs)
    _, pdf_s = _time(lambda: client.get("/programme/2021/bericht.pdf"), 1)
    _, xlsx_s = _time(lambda: client.get("/programme/2021/bericht.xlsx"), 1)
    # The same page kept (billing.selectors.kept, as in operation): what every visitor after the
    # first within PROGRAMME_REPORT_CACHE_SECONDS costs.
    from django.conf import settings

    from billing.selectors.kept import report_kept_forget

    settings.PROGRAMME_REPORT_CACHE_SECONDS = 60
    report_kept_forget()
    page()
    _, kept_s = _time(page, args.runs)
    report_kept_forget()
    settings.PROGRAMME_REPORT_CACHE_SECONDS = 0
    totals = report_build(year=2021).total
    print(f"Jahresbericht 2021 (Seite, erster Aufruf): {first_s:.3f} s")
    print(
        f"report_s (Jahresbericht 2021, Median von {args.runs}): {report_s:.3f} s  Ziel ≤ {GOAL_S} s"
    )
    print(f"  davon Abfragen (report_build): {selector_s:.3f} s")
    print(f"Programmbericht 2021–2024 (Median): {whole_s:.3f} s")
    print(f"Downloads 2021: PDF {pdf_s:.2f} s, XLSX {xlsx_s:.2f} s  Ziel je ≤ {GOAL_S} s")
    print(f"Jahresbericht 2021 aus dem Cache (jeder weitere Besuch, Median): {kept_s:.4f} s")
    print(f"Digitale Fälle 2021 im Bericht: {totals.digital_cases:,}")
    result = {
        "bench": "report",
        "cases": cases,
        "communes": 80,
        "monthly_rows": months,
        "snapshot_rows": snapshots,
        "report_s": round(report_s, 4),
        "report_first_s": round(first_s, 4),
        "report_queries_s": round(selector_s, 4),
        "report_programme_s": round(whole_s, 4),
        "report_kept_s": round(kept_s, 4),
        "pdf_s": round(pdf_s, 3),
        "xlsx_s": round(xlsx_s, 3),
        "seed_s": round(seed_s, 2),
        "goal_s": GOAL_S,
        "pdf_ok": pdf_s <= GOAL_S,
        "xlsx_ok": xlsx_s <= GOAL_S,
        "ok": report_s <= GOAL_S and pdf_s <= GOAL_S and xlsx_s <= GOAL_S,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
