"""Reference registers: stand-ins for the real registers, run as separate loopback processes.

Start one with ``python -m integrations.reference.serve --register resident --port 8101`` (or
``--register dog --port 8102``). They share no code path with Django and keep their state in
memory (a restart starts from the deterministic seed again).
"""

from __future__ import annotations

from integrations.reference.population import DEFAULT_SEED, generate_resident


def demo_person(bfs_number: int, *, seed: str = DEFAULT_SEED) -> dict:
    """The demo resident of a commune, as the resident register holds them at start-up.

    Deterministic for a given seed (the server's ``--seed``, default ``einwohnerportal``).
    Keys: ``person_id``, ``bfs_number``, ``vn`` (13 digits, valid check digit),
    ``official_name``, ``first_name``, ``sex`` ("1"/"2"), ``date_of_birth`` (ISO date),
    ``nationality`` (ISO alpha-2), ``nationality_name``, ``address`` (``street``,
    ``house_number``, ``postcode``, ``town``), ``moving_in_date`` (ISO date).
    """
    return generate_resident(bfs_number, 0, seed=seed)
