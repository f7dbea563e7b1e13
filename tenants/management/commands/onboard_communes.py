import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tenants.importer import read_bfs_communes
from tenants.models import Commune
from tenants.services import OnboardingSession


class Command(BaseCommand):
    help = (
        "Onboards communes from the official BFS list by cloning the template schema: "
        "one (--bfs 1061), a list (--bfs 1061 1062) or a whole canton (--canton LU)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bfs", type=int, nargs="*", default=[], help="BFS numbers")
        parser.add_argument("--canton", help="all active communes of a canton (e.g. LU, BE)")
        parser.add_argument(
            "--all-switzerland",
            action="store_true",
            help="all active Swiss communes of the BFS list",
        )

    def handle(self, *args, bfs, canton, all_switzerland, verbosity: int = 1, **options):
        official = {c.bfs_number: c for c in read_bfs_communes()}
        if all_switzerland:
            wanted = list(official.values())
        elif canton:
            wanted = [c for c in official.values() if c.canton == canton.upper()]
        else:
            unknown = [n for n in bfs if n not in official]
            if unknown:
                raise CommandError(f"Unbekannte oder nicht mehr gültige BFS-Nummern: {unknown}")
            wanted = [official[n] for n in bfs]
        if not wanted:
            raise CommandError(
                "Keine Gemeinde gewählt: --bfs, --canton oder --all-switzerland angeben."
            )
        existing = set(Commune.objects.values_list("bfs_number", flat=True))
        todo = [c for c in wanted if c.bfs_number not in existing]
        started = time.perf_counter()
        session = OnboardingSession() if todo else None
        for entry in tqdm(todo, desc="Onboarding", unit="Gemeinde", disable=verbosity < 1):
            session.onboard(bfs_number=entry.bfs_number, name=entry.name, canton=entry.canton)
        elapsed = time.perf_counter() - started
        per = elapsed / len(todo) if todo else 0
        self.stdout.write(
            f"{len(todo)} Gemeinden aufgeschaltet, {len(wanted) - len(todo)} bestanden schon "
            f"({elapsed:.1f} s, {per:.3f} s pro Gemeinde)."
        )
