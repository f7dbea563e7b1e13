from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog.services import offers_seed_defaults
from tenants.context import current_commune


class Command(BaseCommand):
    help = (
        "Default activation of the catalogue for the current commune (run it per commune with "
        "`manage.py all_tenants_command seed_offers`). Idempotent; keeps the commune's changes."
    )

    def handle(self, *args, **options):
        commune = current_commune()
        if commune is None:
            raise CommandError(
                "seed_offers läuft im Schema einer Gemeinde: "
                "manage.py all_tenants_command seed_offers oder tenant_command seed_offers -s <schema>."
            )
        if not commune.is_active:
            self.stdout.write(f"{commune.name}: fusioniert, übersprungen.")
            return
        try:
            counts = offers_seed_defaults()
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"{commune.name}: {counts['offers']} Angebote und {counts['groups']} Gruppen angelegt."
        )
