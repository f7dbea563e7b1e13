"""Scaling benchmark: onboard a whole canton (or all of Switzerland) on one database.

    .venv/bin/python -m bench.scaling [--canton BE | --all-switzerland] [--communes N]
        [--executors standard ...] [--keep]

Measures, in a dedicated database <DATABASE_URL's name>_scale, starting empty: onboarding time
per commune (clone of the template, the path of `manage.py onboard_communes`) and its trend
(`onboard_last_vs_first`); copies of the database at 10 and 500 communes, over which, with the
full database, a commune page (`latency_ratio_<N>_vs_10`, N = 2110 for --all-switzerland) and
the onboarding of one more commune (`onboard_probe_ratio_<N>_vs_10`, rolled back) are measured
in interleaved rounds, so that load from elsewhere falls on all stages alike; disk per schema,
catalog-cache memory a PostgreSQL backend keeps per schema it touched, and `migrate_communes`
(SQL replay, the operator command) for a small migration (one AddField) across all the schemas
(`migrate_all_s`); `--executors` also times django-tenants' migrate_schemas for another one.
Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import django

from bench._db import bench_database, prepare_environment
from bench._scaling_latency import (
    PAGE,
    copy_database,
    drop_databases,
    interleaved_latency,
    logged_in_clients,
)

MIGRATIONS = "bench.scaleapp.migrations_v{}"
LATENCY_STAGES = (10, 500)
LATENCY_COMMUNES = 10


def _install_scale_app() -> None:
    from django.conf import settings

    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "bench.scaleapp"]
    settings.TENANT_APPS = [*settings.TENANT_APPS, "bench.scaleapp"]
    settings.MIGRATION_MODULES = {"scaleapp": MIGRATIONS.format(1)}


def _database_size() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


def _schema_relations_size(schema: str) -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FILTER (WHERE c.relkind IN ('r', 'p')),
                      coalesce(sum(pg_total_relation_size(c.oid)) FILTER (WHERE c.relkind IN ('r', 'p')), 0)
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s""",
            [schema],
        )
        tables, size = cursor.fetchone()
    return tables, int(size)


def _public_fk_ms() -> float:
    """Milliseconds to add a clone's foreign keys into public tables (cases → catalogue), in a
    scratch schema that is rolled back: each such key adds two triggers to the public table,
    and PostgreSQL reloads all of them for the next key."""
    from django.db import connection, transaction

    from tenants import schema_clone

    script = schema_clone.build_clone_script()
    split = len(script.statements) - script.crossing
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA bench_probe")
        cursor.execute("SET LOCAL search_path = bench_probe, public")
        cursor.execute(";\n".join(script.statements[:split]))
        t0 = time.perf_counter()
        for statement in script.statements[split:]:
            cursor.execute(statement)
        elapsed = time.perf_counter() - t0
        transaction.set_rollback(True)
    connection.search_path_set_schemas = None
    connection.set_schema_to_public()
    return elapsed * 1000


_SESSION: list = []


def _worker_session() -> None:
    from tenants.services import OnboardingSession

    _SESSION[:] = [OnboardingSession()]


def _onboard_one(entry) -> float:
    if not _SESSION:
        _worker_session()
    t0 = time.perf_counter()
    _SESSION[0].onboard(bfs_number=entry.bfs_number, name=entry.name, canton=entry.canton)
    return time.perf_counter() - t0


def _onboard(wanted, latency_rounds: int, workers: int) -> dict:
    """Onboard in order, `workers` processes each with its own OnboardingSession. When 10 and
    500 communes are in the database it is copied aside; at the end the page latency is
    measured in interleaved rounds over the copies and the full database."""
    import multiprocessing

    from django.db import connection, connections

    from tenants.models import Commune

    stages = sorted({n for n in (*LATENCY_STAGES, len(wanted)) if n <= len(wanted)})
    main = connection.settings_dict["NAME"]
    databases: dict[int, str] = {}
    public_fk: dict[int, float] = {}
    clients: list = []
    started = time.perf_counter()
    times: list[float] = []
    done = 0
    try:
        for stage in stages:
            connections.close_all()
            pool = multiprocessing.get_context("fork").Pool(workers) if workers > 1 else None
            onboard = pool.imap if pool else map
            for seconds in onboard(_onboard_one, wanted[done:stage]):
                times.append(seconds)
                if len(times) % 100 == 0 or len(times) == len(wanted):
                    print(
                        f"  {len(times):5d}/{len(wanted)} Gemeinden, letzte 100: "
                        f"{statistics.mean(times[-100:]):.3f} s pro Gemeinde",
                        flush=True,
                    )
            if pool:
                pool.close()
                pool.join()
            _SESSION.clear()  # the main process's backend and session start afresh
            done = stage
            pause = time.perf_counter()
            clients = clients or logged_in_clients(
                Commune.objects.order_by("pk")[:LATENCY_COMMUNES].prefetch_related("domains")
            )
            public_fk[stage] = _public_fk_ms()
            print(
                f"  bei {stage} Gemeinden: Fremdschlüssel in public-Tabellen "
                f"{public_fk[stage]:.0f} ms pro Klon",
                flush=True,
            )
            if stage != stages[-1]:
                databases[stage] = f"{main}_at{stage}"
                copy_database(main, databases[stage])
            started += time.perf_counter() - pause
        total = time.perf_counter() - started
        databases[stages[-1]] = main
        latency = interleaved_latency(clients, databases, latency_rounds)
    finally:
        connections.close_all()
        drop_databases([name for name in databases.values() if name != main])
    print(
        "  "
        + PAGE
        + ", verschränkt: "
        + ", ".join(f"{n}: {latency[f'latency_median_ms_{n}']:.2f} ms" for n in stages)
        + "\n  eine Gemeinde mehr (zurückgerollt), verschränkt: "
        + ", ".join(f"{n}: {latency[f'onboard_probe_median_s_{n}']:.3f} s" for n in stages),
        flush=True,
    )
    tenth = max(1, len(times) // 10)
    first, last = statistics.mean(times[:tenth]), statistics.mean(times[-tenth:])
    return {
        "communes": len(times),
        "onboard_workers": workers,
        **latency,
        **{f"public_fk_ms_per_clone_{n}": public_fk[n] for n in stages},
        "onboard_last_vs_first": last / first,
        "onboard_total_s": total,
        "onboard_s_per_commune_wall": total / len(times),
        "onboard_mean_s": statistics.mean(times),
        "onboard_median_s": statistics.median(times),
        "onboard_first_10pct_mean_s": first,
        "onboard_last_10pct_mean_s": last,
    }


def _catalog_memory(schemas: list[str]) -> dict:
    """Memory of one fresh backend before and after touching every table of each schema."""
    from django.db import connection

    from tenants.schema_clone import template_schema_name

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY 1",
            [template_schema_name()],
        )
        tables = [row[0] for row in cursor.fetchall()]
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts")
        before = int(cursor.fetchone()[0])
        started = time.perf_counter()
        for schema in schemas:
            cursor.execute(f'SET search_path = "{schema}", public')
            for table in tables:
                cursor.execute(f'SELECT 1 FROM "{table}" LIMIT 1')
        elapsed = time.perf_counter() - started
        cursor.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts")
        after = int(cursor.fetchone()[0])
    connection.close()
    return {
        "backend_memory_before_mib": before / 2**20,
        "backend_memory_after_mib": after / 2**20,
        "catalog_kib_per_touched_schema": (after - before) / len(schemas) / 1024,
        "tables_per_schema": len(tables),
        "touch_all_tables_s_per_schema": elapsed / len(schemas),
    }


def _migrate(version: int, executor: str, count: int) -> float:
    """django-tenants' migrate_schemas over all tenant schemas, for comparison."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.MIGRATION_MODULES = {"scaleapp": MIGRATIONS.format(version)}
    started = time.perf_counter()
    call_command("migrate_schemas", tenant=True, executor=executor, interactive=False, verbosity=0)
    elapsed = time.perf_counter() - started
    connection.set_schema_to_public()
    print(
        f"migrate_schemas --tenant --executor={executor} (AddField, v{version}) über {count} "
        f"Schemas: {elapsed:.1f} s = {elapsed / count:.3f} s pro Schema",
        flush=True,
    )
    return elapsed


def _migrate_communes(version: int, workers: int, count: int) -> float:
    """The operator command: SQL collected once in the template, replayed per schema."""
    import io

    from django.conf import settings
    from django.core.management import call_command

    settings.MIGRATION_MODULES = {"scaleapp": MIGRATIONS.format(version)}
    out = io.StringIO()
    started = time.perf_counter()
    call_command("migrate_communes", workers=workers, stdout=out, verbosity=1)
    elapsed = time.perf_counter() - started
    print(
        f"migrate_communes --workers={workers} (v{version}) über {count} Schemas: "
        f"{elapsed:.1f} s = {elapsed / count * 1000:.1f} ms pro Schema\n  "
        + out.getvalue().strip().replace("\n", "\n  "),
        flush=True,
    )
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--canton", default="BE")
    scope.add_argument("--all-switzerland", action="store_true")
    parser.add_argument("--communes", type=int, default=0, help="only the first N (development)")
    parser.add_argument("--workers", type=int, default=2, help="migrate_communes workers")
    parser.add_argument(
        "--latency-rounds", type=int, default=20, help="interleaved rounds over 10/500/all"
    )
    parser.add_argument(
        "--onboard-workers", type=int, default=1, help="onboarding processes (default 1)"
    )
    parser.add_argument(
        "--catalog-sample", type=int, default=300, help="schemas touched for the catalog figure"
    )
    parser.add_argument(
        "--executors",
        nargs="*",
        default=[],
        help="also time migrate_schemas with these executors (standard, multiprocessing)",
    )
    parser.add_argument("--target", type=int, default=0, help="communes to extrapolate to")
    parser.add_argument("--skip-noop", action="store_true", help="skip the no-op migrate run")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    args.executors = args.executors[:1]  # one more migration (v3) to compare with

    prepare_environment()
    with bench_database("scale", keep=args.keep) as name:
        _install_scale_app()
        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from tenants import schema_clone
        from tenants.importer import read_bfs_communes
        from tenants.models import Commune

        everything = read_bfs_communes()
        wanted = (
            everything
            if args.all_switzerland
            else [c for c in everything if c.canton == args.canton.upper()]
        )
        if args.communes:
            wanted = wanted[: args.communes]
        target = args.target or len(everything)
        label = "Schweiz" if args.all_switzerland else f"Kanton {args.canton.upper()}"
        print(
            f"Bench-Datenbank {name}: {label}, {len(wanted)} Gemeinden "
            f"(BFS-Liste: {len(everything)} aktive Gemeinden)",
            flush=True,
        )
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        started = time.perf_counter()
        schema_clone.template_ensure()
        template_s = time.perf_counter() - started
        size_before = _database_size()

        figures = {"scope": label, "template_build_s": template_s}
        figures.update(_onboard(wanted, args.latency_rounds, args.onboard_workers))
        connection.set_schema_to_public()
        size_after = _database_size()
        tables, relations = _schema_relations_size(schema_clone.template_schema_name())
        figures.update(
            database_mib_before=size_before / 2**20,
            database_mib_after=size_after / 2**20,
            disk_kib_per_schema=(size_after - size_before) / len(wanted) / 1024,
            relations_kib_per_schema=relations / 1024,
        )
        print(
            f"Onboarding: {figures['onboard_total_s']:.1f} s, {figures['onboard_mean_s']:.3f} s "
            f"pro Gemeinde (erste 10 %: {figures['onboard_first_10pct_mean_s']:.3f} s, letzte "
            f"10 %: {figures['onboard_last_10pct_mean_s']:.3f} s)\n"
            f"Platz: Datenbank {figures['database_mib_before']:.0f} → "
            f"{figures['database_mib_after']:.0f} MiB = {figures['disk_kib_per_schema']:.0f} KiB "
            f"pro Gemeinde ({tables} Tabellen; Tabellen+Indizes {relations / 1024:.0f} KiB, "
            "der Rest ist Systemkatalog)",
            flush=True,
        )

        schemas = list(
            Commune.objects.filter(bfs_number__in=[c.bfs_number for c in wanted]).values_list(
                "schema_name", flat=True
            )
        )
        figures.update(_catalog_memory(schemas[: args.catalog_sample]))
        print(
            f"Katalog-Cache: ein Backend, das alle {figures['tables_per_schema']} Tabellen von "
            f"{min(len(schemas), args.catalog_sample)} Schemas berührt, wächst von {figures['backend_memory_before_mib']:.1f} "
            f"auf {figures['backend_memory_after_mib']:.1f} MiB = "
            f"{figures['catalog_kib_per_touched_schema']:.0f} KiB pro Schema",
            flush=True,
        )

        from tenants.catalog_budget import schemas_per_connection

        figures["schemas_per_connection"] = schemas_per_connection()
        figures["catalog_bound_mib_per_backend"] = (
            figures["schemas_per_connection"] * figures["catalog_kib_per_touched_schema"] / 1024
        )

        count = len(schemas) + 1  # the communes and the template
        if not args.skip_noop:
            figures["migrate_noop_s"] = _migrate_communes(1, args.workers, count)
        figures["migrate_all_s"] = _migrate_communes(2, args.workers, count)
        figures["migrate_all_ms_per_schema"] = figures["migrate_all_s"] / count * 1000
        for version, executor in enumerate(args.executors, start=3):
            elapsed = _migrate(version, executor, len(schemas))
            figures[f"migrate_small_{executor}_s_per_schema"] = elapsed / len(schemas)

    extrapolated = {
        "target_communes": target,
        "onboard_target_min": target * figures["onboard_s_per_commune_wall"] / 60,
        "migrate_all_target_min": target * figures["migrate_all_ms_per_schema"] / 60000,
        "disk_target_gib": target * figures["disk_kib_per_schema"] / 2**20,
        "catalog_target_mib_per_backend": target * figures["catalog_kib_per_touched_schema"] / 1024,
        **{
            f"migrate_small_{executor}_target_min": target
            * figures[f"migrate_small_{executor}_s_per_schema"]
            / 60
            for executor in args.executors
        },
    }
    print(f"Hochgerechnet auf {target} Gemeinden:")
    for key, value in extrapolated.items():
        if key != "target_communes":
            print(f"  {key}: {value:.1f}")
    result = {**figures, **extrapolated}
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
