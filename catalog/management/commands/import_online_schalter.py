import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.services.online_schalter import OnlineSchalterFileError, online_schalter_import


class Command(BaseCommand):
    help = (
        "Import the old Online-Schalter offers of the communes (CSV or XLSX: bfs_number, "
        "service key or title, url): offers go to stage link with the URL. Prints one JSON "
        "object with linked, unmatched, skipped (and the unmatched rows)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"Datei nicht gefunden: {path}")
        try:
            result = online_schalter_import(path=path)
        except OnlineSchalterFileError as exc:
            raise CommandError("Nichts importiert. " + " ".join(exc.messages)) from None
        self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
