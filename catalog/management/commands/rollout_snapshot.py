from django.core.management.base import BaseCommand

from catalog.services.rollout import current_month, rollout_snapshot_take


class Command(BaseCommand):
    help = (
        "Record every commune's current offers for this month (rollout history; idempotent, "
        "public schema). Offer changes are recorded as they happen; run this once a month."
    )

    def handle(self, *args, **options):
        count = rollout_snapshot_take()
        self.stdout.write(f"{count} Angebote für {current_month():%Y-%m} aufgezeichnet.")
