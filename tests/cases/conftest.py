"""Fixtures for the case tests: a Kriens service with one manual step, a resident, clerks."""

from __future__ import annotations

import pytest

from tests.conftest import _carry_login
from tests.factories import UserFactory

from .factories import clerk_in, offer, service_with_steps


@pytest.fixture
def version(db):
    return service_with_steps(key="parkkarte-test")


@pytest.fixture
def kriens_setup(kriens, in_commune, version):
    """Kriens offers the service at stage form; a resident, a clerk of its group, a clerk of
    another group and an administrator."""
    with in_commune(kriens):
        offer(version)
        people = {
            "resident": UserFactory(first_name="Anna", last_name="Muster"),
            "other_resident": UserFactory(),
            "clerk": clerk_in("Einwohnerdienste", first_name="Claudia", last_name="Klerk"),
            "colleague": clerk_in("Einwohnerdienste"),
            "stranger_clerk": clerk_in("Bauamt"),
            "admin": UserFactory(admin=True),
        }
    return people


@pytest.fixture
def logged_in(commune_client, in_commune):
    """``logged_in(kriens, user)``: a client on the commune's host with ``user`` signed in
    (the session and last_login live in the commune's schema)."""

    def make(commune, user):
        client = commune_client(commune)
        with in_commune(commune):
            client.force_login(user)
            _carry_login(client, user)
        return client

    return make


@pytest.fixture(autouse=True)
def _german():
    """Each case test starts in German, whatever language an earlier test's request left."""
    from django.utils import translation

    with translation.override("de"):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded and generated documents go to a temporary media root, not the worktree."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def notification_jobs():
    """Runs the notification e-mail jobs queued so far, as the worker would (in the commune
    each was sent from); returns how many ran. The queue starts empty in each test."""
    from cases.jobs import NOTIFICATION_QUEUE
    from tests.jobs import flush_queue, run_queued

    flush_queue(NOTIFICATION_QUEUE)
    yield lambda: run_queued(NOTIFICATION_QUEUE)
    flush_queue(NOTIFICATION_QUEUE)
