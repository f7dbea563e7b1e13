from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import user_upsert
from tenants.context import in_commune
from tenants.models import Commune


class Command(BaseCommand):
    help = "Creates or updates a commune administrator, clerk or resident (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--commune", required=True, help="slug of the commune, e.g. kriens")
        parser.add_argument("--role", required=True, choices=["admin", "clerk", "resident"])
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, commune, role, email, password, first_name, last_name, **options):
        target = Commune.objects.filter(slug=commune).first()
        if target is None:
            raise CommandError(f"Keine Gemeinde mit dem Kurznamen {commune!r}.")
        if not target.is_active:
            raise CommandError(
                f"{target.name} ist fusioniert; Benutzer gehören zu {target.merged_into.name}."
            )
        with in_commune(target):
            user, created = user_upsert(
                email=email,
                password=password,
                role=User.Role(role),
                first_name=first_name,
                last_name=last_name,
            )
        verb = "erstellt" if created else "aktualisiert"
        self.stdout.write(f"{user.email} ({role}) in {target.name} {verb}.")
