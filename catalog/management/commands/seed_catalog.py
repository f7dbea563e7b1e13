from django.core.management.base import BaseCommand, CommandError

from catalog.seed.loader import seed_catalog
from tenants.context import current_commune


class Command(BaseCommand):
    help = (
        "Loads the cantonal service catalogue (topics, services, published versions). "
        "Idempotent: unchanged services stay, changed ones get a new version."
    )

    def handle(self, *args, **options):
        if current_commune() is not None:
            raise CommandError("seed_catalog läuft im öffentlichen Schema (public).")
        counts = seed_catalog()
        self.stdout.write(
            "Katalog: {created} neu, {updated} neue Version, {unchanged} unverändert, "
            "{topics} neue Themen.".format(**counts)
        )
