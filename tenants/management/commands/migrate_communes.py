import os
import time

from django.core.management.base import BaseCommand, CommandError

from tenants.migrate_replay import RunOptions, commune_schemas, communes_migrate


class Command(BaseCommand):
    help = (
        "Migrates the template and every commune schema: the SQL of pending tenant migrations "
        "is collected once in a pilot schema and replayed per schema in parallel workers "
        "(migrations with RunPython take the normal migrate_schemas path). Resumable: run it "
        "again after a failure or an interruption."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schema",
            dest="schemas",
            nargs="+",
            default=None,
            help="only these schemas (default: template and all commune schemas)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=min(4, os.cpu_count() or 1),
            help="parallel worker processes (default: CPU cores, at most 4)",
        )
        parser.add_argument(
            "--stop-on-error",
            action="store_true",
            help="start no further schema after the first failure (default: continue)",
        )

    def handle(self, *args, schemas, workers, stop_on_error, verbosity: int = 1, **options):
        if workers < 1:
            raise CommandError("--workers muss mindestens 1 sein.")
        if schemas is not None:
            known = set(commune_schemas())
            unknown = sorted(set(schemas) - known)
            if unknown:
                raise CommandError(f"Kein Gemeinde- oder Vorlage-Schema: {', '.join(unknown)}")
        log = self.stdout.write if verbosity >= 1 else (lambda message: None)
        started = time.perf_counter()
        report = communes_migrate(
            schemas, RunOptions(workers=workers, stop_on_error=stop_on_error, log=log)
        )
        elapsed = time.perf_counter() - started
        for schema, error in sorted(report.failed.items()):
            self.stderr.write(f"{schema}: {error}")
        migrated = report.replayed | report.normal_path
        self.stdout.write(
            f"{len(migrated)} Schemas migriert ({len(report.replayed)} per SQL-Replay, "
            f"{len(report.normal_path)} auf dem normalen Weg), {len(report.up_to_date)} waren "
            f"aktuell, {len(report.failed)} fehlgeschlagen ({elapsed:.1f} s)."
        )
        if report.failed:
            hint = "abgebrochen" if report.stopped else "die anderen sind migriert"
            raise CommandError(
                f"{len(report.failed)} Schemas nicht migriert ({hint}); "
                "nach der Behebung erneut starten."
            )
