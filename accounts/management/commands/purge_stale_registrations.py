from django.core.management.base import BaseCommand, CommandError

from accounts.services import registrations_purge_stale
from tenants.context import current_commune


class Command(BaseCommand):
    help = (
        "Delete resident registrations never verified within 30 days, in the current commune "
        "(all communes: manage.py all_tenants_command purge_stale_registrations)."
    )

    def handle(self, *args, **options):
        commune = current_commune()
        if commune is None:
            raise CommandError(
                "purge_stale_registrations läuft im Schema einer Gemeinde: "
                "manage.py all_tenants_command purge_stale_registrations"
            )
        deleted = registrations_purge_stale()
        self.stdout.write(f"{commune.name}: {deleted} unbestätigte Registrierungen gelöscht.")
