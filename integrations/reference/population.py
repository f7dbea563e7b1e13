"""Synthetic but realistic residents, deterministic from a seed and the commune's BFS number.

Every commune (any BFS number, not only Luzern) gets ``RESIDENTS_PER_COMMUNE`` residents; index
0 is the commune's demo person. Luzern communes carry their real name and postcode; other BFS
numbers get "Gemeinde <n>" and a made-up postcode.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from integrations.ech.ahv import ahv_from_serial
from tenants.postcodes import luzern_postcodes

DEFAULT_SEED = "einwohnerportal"
RESIDENTS_PER_COMMUNE = 200

# Luzern communes: BFS number → (name, postcode), from the vendored list in tenants/data/luzern/.
LUZERN = dict(luzern_postcodes())

SURNAMES = [
    "Müller", "Meier", "Schmid", "Keller", "Weber", "Huber", "Schneider", "Meyer", "Steiner",
    "Fischer", "Gerber", "Brunner", "Baumann", "Frei", "Zimmermann", "Moser", "Widmer", "Wyss",
    "Graf", "Roth", "Bühler", "Kaufmann", "Estermann", "Bucher", "Portmann", "Felder", "Wicki",
    "Stalder", "Achermann", "Zurmühle", "Amrein", "Bachmann", "Birrer", "Duss", "Egli", "Fuchs",
    "Hofstetter", "Kunz", "Lustenberger", "Marti", "Niederberger", "Renggli", "Schnyder", "Suter",
    "Thalmann", "Vogel", "Wey", "Zemp", "Koch", "Arnold",
]  # fmt: skip
FIRST_NAMES = {
    "1": ["Luca", "Noah", "Leon", "Elias", "Jonas", "David", "Simon", "Marco", "Thomas", "Daniel",
          "Martin", "Peter", "Reto", "Urs", "Beat", "Stefan", "Andreas", "Lukas", "Nico", "Jan"],
    "2": ["Anna", "Laura", "Lea", "Mia", "Sara", "Julia", "Nina", "Lena", "Sandra", "Monika",
          "Andrea", "Claudia", "Ruth", "Ursula", "Barbara", "Franziska", "Corinne", "Nadia",
          "Elena", "Sophie"],
}  # fmt: skip
STREETS = [
    "Bahnhofstrasse", "Dorfstrasse", "Hauptstrasse", "Kirchweg", "Schulhausstrasse", "Seestrasse",
    "Luzernerstrasse", "Gartenweg", "Sonnenbergstrasse", "Rigistrasse", "Pilatusstrasse",
    "Mattenweg", "Feldstrasse", "Birkenweg", "Lindenstrasse", "Obermattstrasse",
]  # fmt: skip
NATIONALITIES = [
    ("DE", "Deutschland"), ("IT", "Italien"), ("PT", "Portugal"), ("XK", "Kosovo"),
    ("RS", "Serbien"), ("ES", "Spanien"), ("AT", "Österreich"), ("FR", "Frankreich"),
]  # fmt: skip


def commune_name(bfs_number: int) -> str:
    return LUZERN.get(bfs_number, (f"Gemeinde {bfs_number}", ""))[0]


def commune_postcode(bfs_number: int) -> str:
    known = LUZERN.get(bfs_number)
    return known[1] if known else str(1000 + bfs_number % 9000)


def person_id(bfs_number: int, index: int) -> str:
    return f"{bfs_number:04d}{index:06d}"


def generate_resident(bfs_number: int, index: int, *, seed: str = DEFAULT_SEED) -> dict:
    """The ``index``-th resident of a commune: plain JSON-ready data."""
    rng = random.Random(f"{seed}:{bfs_number}:{index}")
    sex = rng.choice(["1", "2"])
    born = date(1935, 1, 1) + timedelta(days=rng.randrange(365 * 70))
    moved_in = max(born, date(1990, 1, 1)) + timedelta(days=rng.randrange(365 * 20))
    swiss = index == 0 or rng.random() < 0.75  # the demo person (index 0) is Swiss
    nationality, nationality_name = ("CH", "Schweiz") if swiss else rng.choice(NATIONALITIES)
    serial = random.Random(f"{seed}:ahv:{bfs_number}:{index}").randrange(10**9)
    return {
        "person_id": person_id(bfs_number, index),
        "bfs_number": bfs_number,
        "vn": ahv_from_serial(serial),
        "official_name": rng.choice(SURNAMES),
        "first_name": rng.choice(FIRST_NAMES[sex]),
        "sex": sex,
        "date_of_birth": born.isoformat(),
        "nationality": nationality,
        "nationality_name": nationality_name,
        "address": {
            "street": rng.choice(STREETS),
            "house_number": str(rng.randint(1, 120)),
            "postcode": commune_postcode(bfs_number),
            "town": commune_name(bfs_number),
        },
        "moving_in_date": min(moved_in, date(2025, 12, 31)).isoformat(),
    }


def generate_commune(bfs_number: int, *, seed: str = DEFAULT_SEED) -> list[dict]:
    return [generate_resident(bfs_number, i, seed=seed) for i in range(RESIDENTS_PER_COMMUNE)]
