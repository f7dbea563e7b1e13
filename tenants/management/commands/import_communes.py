from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tenants.importer import LUZERN_DIR, SourceFileError
from tenants.services import communes_import


class Command(BaseCommand):
    help = (
        "Imports the Luzern communes (BFS list, districts, populations, mergers) and onboards "
        "each new one with its own schema and domain. All or nothing; re-running changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            type=Path,
            default=LUZERN_DIR,
            help="Folder with luzern_communes_detail.csv and luzern_mergers_since_2020.csv",
        )

    def handle(self, *args, source: Path, verbosity: int = 1, **options):
        def progress(items):
            return tqdm(items, desc="Gemeinden", unit="Gemeinde", disable=verbosity < 1)

        try:
            result = communes_import(source_dir=source, progress=progress)
        except SourceFileError as exc:
            raise CommandError(f"Import abgebrochen, nichts wurde geändert: {exc}") from exc
        self.stdout.write(
            f"{len(result.created)} neu, {len(result.updated)} geändert, "
            f"{len(result.unchanged)} unverändert, {result.populations_written} Bevölkerungszahlen geschrieben."
        )
