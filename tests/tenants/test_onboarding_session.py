"""An onboarding session reconnects after its budget of communes (outside any transaction).

The communes here are committed (a connection cannot be closed inside the test transaction)
and removed again by the fixture.
"""

import pytest
from django.db import connection

from tenants.models import Commune
from tenants.schema_clone import template_schema_name
from tenants.services import OnboardingSession
from tests.tenants.test_onboarding import _structure


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Outside the test transaction (a connection cannot be closed inside one); the communes
    onboarded here are removed afterwards."""
    with django_db_blocker.unblock():
        connection.close()
        before = set(Commune.objects.values_list("pk", flat=True))
        yield
        connection.set_schema_to_public()
        for commune in Commune.objects.exclude(pk__in=before):
            commune.domains.all().delete()
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA "{commune.schema_name}" CASCADE')
            commune.delete()


def test_a_session_starts_a_fresh_backend_after_its_budget_of_communes(committed):
    """Budget 2: communes 1 and 2 on one backend, 3 on the next; every schema complete.

    The backend is noted before each onboarding and after the last."""
    session = OnboardingSession(communes_per_connection=2)
    pids = []
    for bfs, name in ((351, "Bern"), (371, "Biel/Bienne"), (230, "Winterthur")):
        pids.append(_backend_pid())
        commune = session.onboard(bfs_number=bfs, name=name, canton="BE")
        assert _structure(commune.schema_name) == _structure(template_schema_name())
    pids.append(_backend_pid())
    assert pids[0] == pids[1]
    assert pids[2] != pids[1]  # closed after the second commune
    assert pids[3] == pids[2]


@pytest.mark.django_db
def test_a_session_inside_a_transaction_keeps_its_connection():
    """Budget 1 inside the caller's transaction (as in communes_import): one backend."""
    session = OnboardingSession(communes_per_connection=1)
    pids = [_backend_pid()]
    for bfs, name in ((351, "Bern"), (371, "Biel/Bienne")):
        session.onboard(bfs_number=bfs, name=name, canton="BE")
        pids.append(_backend_pid())
    assert len(set(pids)) == 1
    assert Commune.objects.filter(bfs_number__in=[351, 371]).count() == 2
