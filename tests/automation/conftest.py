"""Fixtures for the automated services: the real reference registers on loopback (shared with
tests/integrations), the seeded catalogue offered by Kriens and Emmen, residents whose identity
is in their commune's reference register."""

from __future__ import annotations

import pytest
from django.utils import translation

from catalog.seed.loader import seed_catalog
from catalog.services import offers_seed_defaults
from integrations.reference import demo_person
from tests.factories import UserFactory
from tests.identity import profile_type_in, verified_login
from tests.integrations.conftest import control, reference_servers, registers  # noqa: F401

from . import identity


def identity_give(user, person: dict, settings) -> None:
    """Make ``person`` (a reference register entry) the identity of ``user``: typed into the
    profile (address, official sex) and vouched for by a verified login."""
    profile_type_in(user, person)
    verified_login(user, person)


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
