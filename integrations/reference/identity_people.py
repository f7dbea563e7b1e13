"""The people of the reference identity provider: the reference resident register's residents
(same AHV numbers, names and birth dates) with a login quality each, plus people no register
knows. Deterministic for a seed; usable without the server (tests)."""

from __future__ import annotations

import hashlib
import hmac
import random
import unicodedata
from functools import lru_cache

from integrations.ech.ahv import ahv_from_serial
from integrations.reference.population import (
    DEFAULT_SEED,
    LUZERN,
    RESIDENTS_PER_COMMUNE,
    generate_resident,
)

LEVELS = ("email", "verified", "eid")
# Everyone but the demo person cycles through these highest levels.
_CYCLE = ("eid", "verified", "email")

# People no register knows (e.g. newcomers from another canton): AHV serials outside the
# register's range are not guaranteed, so each is checked against the register at start.
_UNKNOWN = (
    ("Lea", "Zimmermann", "1991-04-12", "eid"),
    ("Marco", "Bianchi", "1978-09-30", "verified"),
    ("Ayla", "Demir", "2001-01-05", "eid"),
    ("Jonas", "Frei", "1965-07-21", "verified"),
)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _digits(ahv: str) -> str:
    return "".join(ch for ch in ahv if ch.isdigit())


def format_ahv(ahv: str) -> str:
    digits = _digits(ahv)
    return f"{digits[:3]}.{digits[3:7]}.{digits[7:11]}.{digits[11:]}"


def subject_for(ahv: str, *, seed: str = DEFAULT_SEED) -> str:
    """Stable, pseudonymous subject of a person (the same on every start with this seed)."""
    return hmac.new(seed.encode(), f"sub:{_digits(ahv)}".encode(), hashlib.sha256).hexdigest()[:32]


def _person(
    *, ahv: str, given: str, family: str, birthdate: str, level: str, bfs: int | None, seed: str
) -> dict:
    number = int(_digits(ahv)[-4:])
    return {
        "sub": subject_for(ahv, seed=seed),
        "ahv": format_ahv(ahv),
        "given_name": given,
        "family_name": family,
        "birthdate": birthdate,
        "email": f"{_ascii(given)}.{_ascii(family)}.{number:04d}@example.ch".replace(" ", ""),
        "level": level,
        "bfs_number": bfs,
    }


def commune_people(bfs_number: int, *, seed: str = DEFAULT_SEED) -> list[dict]:
    """A commune's residents as the provider knows them (index 0, the demo person: e-ID)."""
    people = []
    for index in range(RESIDENTS_PER_COMMUNE):
        resident = generate_resident(bfs_number, index, seed=seed)
        level = "eid" if index == 0 else _CYCLE[index % 3]
        people.append(
            _person(
                ahv=resident["vn"],
                given=resident["first_name"],
                family=resident["official_name"],
                birthdate=resident["date_of_birth"],
                level=level,
                bfs=bfs_number,
                seed=seed,
            )
        )
    return people


@lru_cache(maxsize=4)
def _index(seed: str) -> dict[str, dict]:
    people = {p["ahv"]: p for bfs in LUZERN for p in commune_people(bfs, seed=seed)}
    for serial, (given, family, born, level) in enumerate(_UNKNOWN):
        number = ahv_from_serial(999_000_000 + serial)
        person = _person(
            ahv=number, given=given, family=family, birthdate=born, level=level, bfs=None, seed=seed
        )
        if person["ahv"] not in people:
            people[person["ahv"]] = person
    return people


def identity_person(ahv: str, *, seed: str = DEFAULT_SEED) -> dict | None:
    """The person with this AHV number (with or without dots), or None."""
    digits = _digits(ahv)
    if len(digits) != 13:
        return None
    return _index(seed).get(format_ahv(digits))


def identity_people_unknown(*, seed: str = DEFAULT_SEED) -> list[dict]:
    """People the provider knows and no resident register does."""
    return [p for p in _index(seed).values() if p["bfs_number"] is None]


def sample(bfs_number: int, count: int = 12, *, seed: str = DEFAULT_SEED) -> list[dict]:
    """The first ``count`` people of a commune, for the login page's picker."""
    return commune_people(bfs_number, seed=seed)[:count]


def random_person(rng: random.Random) -> dict:  # pragma: no cover - for manual exploration
    bfs = rng.choice(list(LUZERN))
    return rng.choice(commune_people(bfs))
