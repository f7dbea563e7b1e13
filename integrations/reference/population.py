"""Synthetic but realistic residents, deterministic from a seed and the commune's BFS number.

Every commune (any BFS number, not only Luzern) gets ``RESIDENTS_PER_COMMUNE`` residents; index
0 is the commune's demo person. Luzern communes carry their real name and postcode; other BFS
numbers get "Gemeinde <n>" and a made-up postcode.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from integrations.ech.ahv import ahv_from_serial

DEFAULT_SEED = "einwohnerportal"
RESIDENTS_PER_COMMUNE = 200

# Luzern communes: BFS number → (name, postcode).
LUZERN = {
    1001: ("Doppleschwand", "6112"), 1002: ("Entlebuch", "6162"), 1004: ("Flühli", "6173"),
    1005: ("Hasle (LU)", "6166"), 1007: ("Romoos", "6113"), 1008: ("Schüpfheim", "6170"),
    1009: ("Werthenstein", "6106"), 1010: ("Escholzmatt-Marbach", "6182"),
    1021: ("Aesch (LU)", "6287"), 1022: ("Altwis", "6286"), 1023: ("Ballwil", "6275"),
    1024: ("Emmen", "6020"), 1025: ("Ermensee", "6294"), 1026: ("Eschenbach (LU)", "6274"),
    1030: ("Hitzkirch", "6285"), 1031: ("Hochdorf", "6280"), 1032: ("Hohenrain", "6276"),
    1033: ("Inwil", "6034"), 1037: ("Rain", "6026"), 1039: ("Römerswil", "6027"),
    1040: ("Rothenburg", "6023"), 1041: ("Schongau", "6288"), 1051: ("Adligenswil", "6043"),
    1052: ("Buchrain", "6033"), 1053: ("Dierikon", "6036"), 1054: ("Ebikon", "6030"),
    1055: ("Gisikon", "6038"), 1056: ("Greppen", "6404"), 1057: ("Honau", "6038"),
    1058: ("Horw", "6048"), 1059: ("Kriens", "6010"), 1061: ("Luzern", "6003"),
    1062: ("Malters", "6102"), 1063: ("Meggen", "6045"), 1064: ("Meierskappel", "6344"),
    1065: ("Root", "6037"), 1066: ("Schwarzenberg", "6103"), 1067: ("Udligenswil", "6044"),
    1068: ("Vitznau", "6354"), 1069: ("Weggis", "6353"), 1081: ("Beromünster", "6215"),
    1082: ("Büron", "6233"), 1083: ("Buttisholz", "6018"), 1084: ("Eich", "6205"),
    1085: ("Geuensee", "6232"), 1086: ("Grosswangen", "6022"), 1088: ("Hildisrieden", "6024"),
    1089: ("Knutwil", "6213"), 1091: ("Mauensee", "6216"), 1093: ("Neuenkirch", "6206"),
    1094: ("Nottwil", "6207"), 1095: ("Oberkirch", "6208"), 1097: ("Rickenbach (LU)", "6221"),
    1098: ("Ruswil", "6017"), 1099: ("Schenkon", "6214"), 1100: ("Schlierbach", "6231"),
    1102: ("Sempach", "6204"), 1103: ("Sursee", "6210"), 1104: ("Triengen", "6234"),
    1107: ("Wolhusen", "6110"), 1121: ("Alberswil", "6248"), 1122: ("Altbüron", "6147"),
    1123: ("Altishofen", "6246"), 1125: ("Dagmersellen", "6252"), 1126: ("Ebersecken", "6245"),
    1127: ("Egolzwil", "6243"), 1128: ("Ettiswil", "6218"), 1129: ("Fischbach", "6145"),
    1130: ("Gettnau", "6142"), 1131: ("Grossdietwil", "6146"),
    1132: ("Hergiswil bei Willisau", "6133"), 1135: ("Luthern", "6156"), 1136: ("Menznau", "6122"),
    1137: ("Nebikon", "6244"), 1139: ("Pfaffnau", "6264"), 1140: ("Reiden", "6260"),
    1142: ("Roggliswil", "6265"), 1143: ("Schötz", "6247"), 1145: ("Ufhusen", "6153"),
    1146: ("Wauwil", "6242"), 1147: ("Wikon", "4806"), 1150: ("Zell (LU)", "6144"),
    1151: ("Willisau", "6130"),
}  # fmt: skip

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
