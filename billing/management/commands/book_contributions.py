from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from billing.services import BillingError, contributions_book


class Command(BaseCommand):
    help = (
        "Bucht die Fünfliber-Beiträge aller Gemeinden für ein Jahr (Ansatz × Bevölkerung per "
        "31.12. des Vorjahres) und die Gegenleistung des Kantons. Erneutes Buchen bucht nichts "
        "Neues; geänderte Zahlen ergeben Korrekturbuchungen. Fehlen Zahlen, wird nichts gebucht."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="Beitragsjahr, z. B. 2021")
        parser.add_argument(
            "--booked-by", default="", help="E-Mail der kantonalen Person, die bucht (optional)"
        )

    def handle(self, *args, year: int, booked_by: str, **options):
        user = None
        if booked_by:
            user = User.objects.filter(email=booked_by.lower(), is_staff=True).first()
            if user is None:
                raise CommandError(f"Keine kantonale Person mit der E-Mail {booked_by} gefunden.")
        try:
            result = contributions_book(year=year, booked_by=user)
        except BillingError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            f"Beiträge {year}: {result.booked} neu gebucht, {result.corrected} korrigiert, "
            f"{result.reversed} storniert, {result.unchanged} unverändert. "
            f"Total Gemeinden CHF {result.total_communes}"
            + ("; Gegenleistung Kanton nachgeführt." if result.canton_changed else ".")
        )
