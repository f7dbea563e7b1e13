"""``manage.py import_camt054 --commune <slug> FILE`` (or ``--canton FILE`` for all communes):
book the credits of an ISO 20022 camt.054 file; prints one JSON object with ``matched``,
``unmatched`` and ``already_booked``. A malformed file is refused (exit 1) and nothing booked."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases import services
from integrations.bank.camt054 import CamtError
from tenants.context import in_commune
from tenants.models import Commune


class Command(BaseCommand):
    help = "camt.054-Gutschriften einer Gemeinde (oder des Kantons für alle Gemeinden) buchen."

    def add_arguments(self, parser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--commune", help="Kürzel der Gemeinde (slug)")
        target.add_argument(
            "--canton", action="store_true", help="für alle Gemeinden (nach QR-Referenz)"
        )
        parser.add_argument("file", help="camt.054-Datei (XML)")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Datei nicht lesbar: {path} ({exc.strerror})") from exc
        try:
            if options["canton"]:
                counts = services.camt_import_canton(content=content, file_name=path.name)
            else:
                commune = Commune.objects.filter(slug=options["commune"]).first()
                if commune is None:
                    raise CommandError(f"Gemeinde «{options['commune']}» gibt es nicht.")
                with in_commune(commune):
                    counts = services.camt_import(content=content, file_name=path.name)
        except CamtError as exc:
            raise CommandError(f"Datei abgelehnt, nichts gebucht: {exc.message}") from exc
        self.stdout.write(json.dumps(counts))
