"""Re-encrypt every secret of the per-commune configuration with the first key of
``COMMUNE_CONFIG_KEYS`` (key rotation, README "Konfiguration pro Gemeinde"). Prints one JSON
line with the number of configurations rewritten."""

import json

from django.core.management.base import BaseCommand

from tenants.services import commune_config_keys_rotate


class Command(BaseCommand):
    help = "Geheimnisse der Gemeindekonfigurationen mit dem ersten Schlüssel neu verschlüsseln."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps({"reencrypted": commune_config_keys_rotate()}))
