"""The harness's services and residents' identities (shared by the tests and their workers).

The services are the seeded Wohnsitzbestätigung and the automated part of Hund anmelden (the
seeded one ends with the manual step "Hundemarke versenden"), published under run-unique keys
so that committed harness rows never collide with the catalogue other tests seed. Their steps
use the project's real step handlers (cases.automation) and adapters.

Identities: the residents' profile (``settings.CASES_APPLICANT_PROFILE``) is
``profile_for`` here: a harness resident's e-mail ``machine-<bfs>-<n>@example.ch`` stands for
the commune's demo person in the reference register; ``nobody-<bfs>-<n>@…`` for a person the
register does not know. No database, so the worker processes see the same identity.
"""

from __future__ import annotations

from catalog.seed.services_gemeinde import SERVICES
from integrations.reference import demo_person

_SPECS = {s["key"]: s for s in SERVICES}


def spec_steps(service_key: str, *, automated_only: bool = False) -> list[dict]:
    return [
        {
            "key": s["key"],
            "name": s["name_de"],
            "kind": s["kind"],
            "adapter": s["adapter_key"],
            "group": s["responsible_group"],
        }
        for s in _SPECS[service_key]["steps"]
        if not automated_only or s["kind"] == "automated"
    ]


def spec_form(service_key: str) -> dict:
    return {"fields": _SPECS[service_key]["form"]}


def spec_fee(service_key: str) -> str:
    return _SPECS[service_key]["fee"]


def profile_for(user) -> dict[str, str]:
    """The identity of a harness resident (see the module docstring)."""
    kind, _, rest = (user.email or "").partition("-")
    if kind not in ("machine", "nobody"):
        return {}
    bfs = int(rest.split("-")[0])
    person = demo_person(bfs)
    a = person["address"]
    return {
        "first_name": person["first_name"],
        "last_name": person["official_name"] if kind == "machine" else "Niemand",
        "date_of_birth": person["date_of_birth"],
        "ahv_number": person["vn"],
        "street": a["street"],
        "house_number": a["house_number"],
        "postcode": a["postcode"],
        "town": a["town"],
        "email": user.email,
    }
