import time

from django.conf import settings
from django.core.management.base import BaseCommand

from tenants.actors import scheduler_tick


class Command(BaseCommand):
    help = "Sends the public scheduler tick every SCHEDULER_TICK_SECONDS (run exactly one)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Send one tick and stop.")

    def handle(self, *args, once: bool = False, **options):
        while True:
            scheduler_tick.send()
            if once:
                return
            time.sleep(settings.SCHEDULER_TICK_SECONDS)
