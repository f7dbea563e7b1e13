from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from catalog.seed.loader import seed_catalog


class Command(BaseCommand):
    help = (
        "Loads the cantonal service catalogue (topics, services, published versions). "
        "Idempotent: unchanged services stay, changed ones get a new version."
    )

    def handle(self, *args, **options):
        if connection.schema_name != "public":
            raise CommandError("seed_catalog läuft im öffentlichen Schema (public).")
        counts = seed_catalog()
        self.stdout.write(
            "Katalog: {created} neu, {updated} neue Version, {unchanged} unverändert, "
            "{topics} neue Themen.".format(**counts)
        )
