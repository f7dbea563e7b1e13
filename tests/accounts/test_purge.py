import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import services
from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_unverified_registrations_older_than_30_days_are_deleted(kriens, in_commune):
    """Only never-verified resident registrations past 30 days go; everything else stays."""
    old = timezone.now() - dt.timedelta(days=31)
    with in_commune(kriens):
        stale = UserFactory(is_active=False, date_joined=old)
        recent = UserFactory(is_active=False)
        deactivated = UserFactory(is_active=False, date_joined=old, last_login=old)
        clerk = UserFactory(clerk=True, is_active=False, date_joined=old)
        active = UserFactory(date_joined=old)

        assert services.registrations_purge_stale() == 1

        remaining = set(User.objects.values_list("pk", flat=True))
        assert stale.pk not in remaining
        assert {recent.pk, deactivated.pk, clerk.pk, active.pk} <= remaining


def test_the_command_purges_in_the_current_commune(kriens, in_commune, capsys):
    """manage.py purge_stale_registrations works in a commune's schema."""
    with in_commune(kriens):
        UserFactory(is_active=False, date_joined=timezone.now() - dt.timedelta(days=40))
        call_command("purge_stale_registrations")
        assert not User.objects.exists()
    assert "Kriens: 1 unbestätigte Registrierungen gelöscht." in capsys.readouterr().out
