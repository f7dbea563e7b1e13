"""Fixtures of the Fünfliber tests: a cantonal staff user and an admin client on the public host."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.fixture
def canton_user(db):
    return UserFactory(canton=True, email="finanzen@lu.ch")


@pytest.fixture
def canton_admin(canton_user) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(canton_user)
    return client
