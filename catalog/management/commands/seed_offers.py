from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog.seed.innovators import public_innovators_flag
from catalog.services import offers_seed_defaults
from catalog.services.offers import FULL, REALISTIC
from tenants.context import current_commune


class Command(BaseCommand):
    help = (
        "Default activation of the catalogue for the current commune (run it per commune with "
        "`manage.py all_tenants_command seed_offers`). Idempotent; keeps the commune's changes. "
        "Realistic start by default (Public Innovators full, the others part of the catalogue "
        "at link/form); --full offers everything."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--full", action="store_true", help="every service at form/automated everywhere"
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
        public_innovators_flag()
        # all_tenants_command loaded every commune before the first run flagged the Public
        # Innovators: read the flag afresh, or the later communes start as non-innovators.
        commune.refresh_from_db(fields=["public_innovator"])
        try:
            counts = offers_seed_defaults(profile=FULL if options["full"] else REALISTIC)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        kind = "Public Innovator, " if commune.public_innovator else ""
        self.stdout.write(
            f"{commune.name} ({kind}{'voll' if options['full'] else 'realistischer Start'}): "
            f"{counts['offers']} Angebote und {counts['groups']} Gruppen angelegt."
        )
