from django.core.management.base import BaseCommand

from accounts.models import User
from accounts.services import user_upsert
from tenants.context import in_public


class Command(BaseCommand):
    help = "Creates or updates a cantonal staff member (public schema, cantonal admin; idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, email, password, first_name, last_name, **options):
        with in_public():
            user, created = user_upsert(
                email=email,
                password=password,
                role=User.Role.CANTON,
                first_name=first_name,
                last_name=last_name,
            )
        self.stdout.write(f"{user.email} (Kanton) {'erstellt' if created else 'aktualisiert'}.")
