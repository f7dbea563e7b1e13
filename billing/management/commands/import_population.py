from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from billing.services import PopulationFileError, population_import_csv


class Command(BaseCommand):
    help = (
        "Importiert Bevölkerungszahlen (ständige Wohnbevölkerung per 31.12.) aus einer CSV-Datei "
        "mit den Spalten bfs_number, year, residents, source. Die ganze Datei wird zuerst "
        "geprüft; bei einem Fehler wird nichts geschrieben."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV-Datei (UTF-8, Komma oder Semikolon)")

    def handle(self, *args, file: Path, **options):
        try:
            result = population_import_csv(path=file)
        except PopulationFileError as exc:
            lines = "\n".join(f"  - {e}" for e in exc.errors)
            raise CommandError(f"Import abgebrochen, nichts wurde geschrieben:\n{lines}") from exc
        years = ", ".join(str(y) for y in sorted(result.years))
        self.stdout.write(
            f"Bevölkerungszahlen ({years}): {result.created} neu, {result.changed} geändert, "
            f"{result.unchanged} unverändert."
        )
        if result.changed:
            self.stdout.write(
                "Geänderte Zahlen: «book_contributions --year JJJJ» bucht die Korrekturen."
            )
