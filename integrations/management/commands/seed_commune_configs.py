"""Give every active commune its development configuration (``integrations.dev_config``);
communes that already have one keep it unless ``--force``. Prints one JSON line."""

import json

from django.core.management.base import BaseCommand

from integrations.dev_config import dev_configuration
from tenants.models import Commune, CommuneConfig
from tenants.services import commune_config_update


class Command(BaseCommand):
    help = "Entwicklungskonfiguration (Register, Konten, Absender, Kontakt) für jede Gemeinde."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="bestehende überschreiben")

    def handle(self, *args, force: bool = False, **options):
        configured = set(CommuneConfig.objects.values_list("commune_id", flat=True))
        created = updated = kept = 0
        for commune in Commune.objects.filter(status=Commune.Status.ACTIVE).order_by("bfs_number"):
            if commune.pk in configured and not force:
                kept += 1
                continue
            plain, secrets = dev_configuration(commune)
            commune_config_update(commune=commune, changes=plain, secrets=secrets)
            if commune.pk in configured:
                updated += 1
            else:
                created += 1
        self.stdout.write(json.dumps({"created": created, "updated": updated, "kept": kept}))
