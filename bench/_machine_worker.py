"""Imported by the worker processes of ``bench.process_machine`` (and by the bench itself).

- ``bench_noop``: a Dramatiq actor that does nothing (the broker/worker baseline). Only the
  first and the last message of a run write a timestamp file, outside the per-message path.
- ``noop_step``: the handler of adapter key ``bench.noop``, declared pure (three of them make
  the ``bench-leer`` service: the case machine without any adapter work);
  ``noop_effects_step`` (``bench.noop_effects``, service ``bench-leer-wirkung``) the same
  without the declaration, i.e. treated like an adapter with effects.
- ``profile_for``: the bench residents' identity for the automated steps
  (``CASES_APPLICANT_PROFILE``): ``bench-<bfs>@example.ch`` is the commune's demo person in
  the reference register. The steps themselves are the project's (cases.automation).
"""

from __future__ import annotations

import time
from pathlib import Path

import dramatiq

from cases import handlers
from integrations.reference import demo_person

NOOP_QUEUE = "bench-noop"


@dramatiq.actor(queue_name=NOOP_QUEUE, max_retries=0)
def bench_noop(index: int, last: int, marker_dir: str) -> None:
    """Nothing; message 0 and message ``last`` note the time they ran."""
    if index in (0, last):
        Path(marker_dir, f"noop-{index}").write_text(repr(time.time()))


@handlers.register("bench.noop", pure=True)
def noop_step(call: handlers.StepCall) -> dict:
    """A step that does nothing, declared pure (it has no effect): cases of ``bench-leer``
    measure the machine's own cost for such steps."""
    return {}


@handlers.register("bench.noop_effects")
def noop_effects_step(call: handlers.StepCall) -> dict:
    """The same, not declared pure: cases of ``bench-leer-wirkung`` measure what the machine
    costs around a handler with effects (start mark, then result, each committed)."""
    return {}


def profile_for(user) -> dict[str, str]:
    """The identity of a bench resident (see the module docstring)."""
    local = (user.email or "").split("@")[0]
    if not local.startswith("bench-"):
        return {}
    person = demo_person(int(local.removeprefix("bench-")))
    a = person["address"]
    return {
        "first_name": person["first_name"],
        "last_name": person["official_name"],
        "date_of_birth": person["date_of_birth"],
        "ahv_number": person["vn"],
        "street": a["street"],
        "house_number": a["house_number"],
        "postcode": a["postcode"],
        "town": a["town"],
        "email": user.email,
    }
