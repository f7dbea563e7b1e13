"""Fixtures for the automated services: the real reference registers on loopback (shared with
tests/integrations), the seeded catalogue offered by Kriens and Emmen, residents whose identity
is in their commune's reference register."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from catalog.seed.loader import seed_catalog
from catalog.services import offers_seed_defaults
from integrations.reference import demo_person
from tests.factories import UserFactory
from tests.identity import verified_login
from tests.integrations.conftest import control, reference_servers, registers  # noqa: F401

from . import identity


def identity_give(user, person: dict, settings) -> None:
    """Make ``person`` (a reference register entry) the identity of ``user``: the residents'
    profile when this tree has it, else the test identity source."""
    try:
        from accounts.services import profile_update
    except ImportError:
        profile_update = None
    address = person["address"]
    if profile_update is not None:
        profile_update(
            user=user,
            first_name=person["first_name"],
            last_name=person["official_name"],
            date_of_birth=dt.date.fromisoformat(person["date_of_birth"]),
            ahv_number=person["vn"],
            sex=person.get("sex", ""),
            street=address["street"],
            house_number=address["house_number"],
            postcode=address["postcode"],
            town=address["town"],
        )
        verified_login(user, person)
        return
    settings.CASES_APPLICANT_PROFILE = "tests.automation.identity.profile_for"
    user.first_name, user.last_name = person["first_name"], person["official_name"]
    user.save()
    identity.IDENTITIES[user.pk] = {
        "first_name": person["first_name"],
        "last_name": person["official_name"],
        "date_of_birth": person["date_of_birth"],
        "ahv_number": person["vn"],
        "sex": person.get("sex", ""),
        "street": address["street"],
        "house_number": address["house_number"],
        "postcode": address["postcode"],
        "town": address["town"],
        "email": user.email,
    }


@pytest.fixture
def catalogue(db):
    return seed_catalog()


@pytest.fixture
def resident_of(catalogue, in_commune, settings, request):
    """``resident_of(kriens)``: the commune offers the seeded services; a resident who is the
    commune's demo person in the reference register."""
    request.getfixturevalue("registers")

    def make(commune, person: dict | None = None):
        with in_commune(commune):
            offers_seed_defaults()
            user = UserFactory()
            identity_give(user, person or demo_person(commune.bfs_number), settings)
        return user

    return make


@pytest.fixture(autouse=True)
def _german_and_tmp_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    identity.IDENTITIES.clear()
    with translation.override("de"):
        yield
