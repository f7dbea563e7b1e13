"""Dog register adapter against the reference dog register process."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from integrations.adapters.dog_register.adapters import chip_check
from integrations.adapters.dog_register.data import DogOwner, DogRegistrationRequest
from integrations.base import PermanentError, TransientError
from integrations.ech.ahv import ahv_from_serial
from integrations.registry import get

OWNER = DogOwner(
    vn=ahv_from_serial(1000),
    official_name="Muster",
    first_name="Anna",
    date_of_birth=date(1980, 1, 2),
    bfs_number=1059,
    street="Schachenstrasse",
    house_number="12",
    postcode="6010",
    town="Kriens",
)


def dog(chip: str, owner: DogOwner = OWNER) -> DogRegistrationRequest:
    return DogRegistrationRequest(
        chip_number=chip,
        dog_name="Bello",
        breed="Berner Sennenhund",
        sex="m",
        date_of_birth=date(2025, 3, 1),
        colour="dreifarbig",
        owner=owner,
    )


def test_register_dog(registers, control):
    """A new chip is registered once; the register's message id comes back."""
    effects = control("dog")["effects"]
    result = get("dog_register.register").call(dog("756098100000001"), idempotency_key="d1")
    assert result.chip_number == "756098100000001"
    assert result.registration_id.startswith("AMI-")
    assert result.message_id.startswith("AMICUS-")
    assert control("dog")["effects"] == effects + 1


def test_same_key_twice_has_one_effect(registers, control):
    adapter = get("dog_register.register")
    effects = control("dog")["effects"]
    first = adapter.call(dog("756098100000002"), idempotency_key="case-9:step-1")
    assert adapter.call(dog("756098100000002"), idempotency_key="case-9:step-1") == first
    assert control("dog")["effects"] == effects + 1


def test_same_chip_same_owner_returns_existing_registration(registers, control):
    """Registering the same dog again (new key) answers with the existing entry, no second one."""
    adapter = get("dog_register.register")
    first = adapter.call(dog("756098100000003"), idempotency_key="a")
    effects = control("dog")["effects"]
    again = adapter.call(dog("756 0981 0000 0003"), idempotency_key="b")
    assert again.registration_id == first.registration_id
    assert control("dog")["effects"] == effects


def test_chip_of_another_owner_is_permanent(registers, control):
    adapter = get("dog_register.register")
    adapter.call(dog("756098100000004"), idempotency_key="owner-1")
    effects = control("dog")["effects"]
    other = replace(OWNER, vn=ahv_from_serial(2000), first_name="Beat")
    with pytest.raises(PermanentError) as exc:
        adapter.call(dog("756098100000004", other), idempotency_key="owner-2")
    assert exc.value.code == "chip_registered_to_other_owner"
    assert "andere" in exc.value.message
    assert control("dog")["effects"] == effects


@pytest.mark.parametrize(
    "chip", ["75609810000000", "7560981000000012", "12345678901234x", "123456789012345"]
)
def test_invalid_chip_is_refused_without_a_call(registers, control, chip):
    calls = control("dog")["calls"]
    with pytest.raises(PermanentError) as exc:
        get("dog_register.register").call(dog(chip), idempotency_key=f"chip-{chip}")
    assert exc.value.code == "invalid_chip"
    assert control("dog")["calls"] == calls


def test_chip_check_accepts_swiss_and_manufacturer_codes():
    assert chip_check("756 0981 0000 0001") == "756098100000001"
    assert chip_check("981000000000001") == "981000000000001"


@pytest.mark.parametrize(
    ("mode", "code"),
    [("error500", "http_500"), ("timeout", "timeout"), ("malformed", "malformed_response")],
)
def test_failures_are_transient(registers, control, mode, code):
    control("dog", mode)
    with pytest.raises(TransientError) as exc:
        get("dog_register.register").call(dog("756098100000009"), idempotency_key=f"f-{mode}")
    assert exc.value.code == code
