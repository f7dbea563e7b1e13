"""migrate_communes against django-tenants' migrate_schemas, on committed schemas.

The schemas here start empty, so every tenant migration runs: the replayable ones as collected
SQL (pilot + replay, in two worker processes), the ones with RunPython on the normal path. The
schemas are committed (workers are separate processes) and dropped at the end.
"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tenants.migrate_replay import MigrateReport, RunOptions, communes_migrate
from tenants.models import Commune
from tests.tenants.test_onboarding import _structure

pytestmark = pytest.mark.django_db

NORMAL, PILOT, REPLAYED = "mt_normal", "mt_pilot", "mt_replayed"
GOOD, BROKEN = "mt_good", "mt_broken"
ALL = (NORMAL, PILOT, REPLAYED, GOOD, BROKEN)


def _execute(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _drop_all() -> None:
    connection.set_schema_to_public()
    for schema in ALL:
        _execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _migration_rows(schema: str) -> set[tuple[str, str]]:
    return set(_execute(f'SELECT app, name FROM "{schema}".django_migrations'))


def _content_types_and_permissions(schema: str) -> set[tuple[str, str, str]]:
    return set(
        _execute(
            f"""SELECT c.app_label, c.model, coalesce(p.codename, '')
            FROM "{schema}".django_content_type c
            LEFT JOIN "{schema}".auth_permission p ON p.content_type_id = c.id"""
        )
    )


@pytest.fixture(scope="module")
def migrated(django_db_setup, django_db_blocker):
    """NORMAL via migrate_schemas; PILOT and REPLAYED via communes_migrate, 2 workers;
    GOOD and BROKEN via communes_migrate, where BROKEN holds a table in the way."""
    with django_db_blocker.unblock():
        _drop_all()
        try:
            for schema in ALL:
                _execute(f'CREATE SCHEMA "{schema}"')
            _execute(f'CREATE TABLE "{BROKEN}".django_session (x int)')
            call_command(
                "migrate_schemas", tenant=True, schema_name=NORMAL, interactive=False, verbosity=0
            )
            connection.set_schema_to_public()
            fast = communes_migrate([PILOT, REPLAYED], RunOptions(workers=2))
            failing = communes_migrate([GOOD, BROKEN], RunOptions(workers=1))
            yield fast, failing
        finally:
            _drop_all()


def test_replay_gives_the_same_schema_as_migrate_schemas(migrated, django_db_blocker):
    """Tables, columns, constraints and indexes equal those migrate_schemas builds."""
    fast, _ = migrated
    assert fast.failed == {}
    assert REPLAYED in fast.replayed  # really replayed, not only migrated normally
    with django_db_blocker.unblock():
        expected = _structure(NORMAL)
        assert expected["columns"]  # the comparison is not between two empty schemas
        for schema in (PILOT, REPLAYED):
            structure = _structure(schema)
            for part in ("columns", "constraints", "indexes"):
                assert structure[part] == expected[part], (schema, part)


def test_replay_records_the_same_migration_rows_content_types_and_permissions(
    migrated, django_db_blocker
):
    """django_migrations lists the same migrations; post_migrate's rows are there too."""
    with django_db_blocker.unblock():
        rows = _migration_rows(NORMAL)
        permissions = _content_types_and_permissions(NORMAL)
        assert ("cases", "0001_initial") in rows
        for schema in (PILOT, REPLAYED):
            assert _migration_rows(schema) == rows
            assert _content_types_and_permissions(schema) == permissions


def test_migrations_with_runpython_take_the_normal_path(migrated):
    """The tenant apps have RunPython migrations: those ran through migrate_schemas."""
    fast, _ = migrated
    assert fast.normal_path == {PILOT, REPLAYED}


def test_a_failing_schema_is_reported_unchanged_and_the_others_are_migrated(
    migrated, django_db_blocker
):
    """BROKEN fails in the step that creates django_session: that step left nothing (no row,
    the foreign table as it was); the steps before it are recorded; GOOD is complete."""
    _, failing = migrated
    assert set(failing.failed) == {BROKEN}
    assert "django_session" in failing.failed[BROKEN]
    with django_db_blocker.unblock():
        assert _migration_rows(GOOD) == _migration_rows(NORMAL)
        broken_rows = _migration_rows(BROKEN)
        assert ("sessions", "0001_initial") not in broken_rows
        assert broken_rows < _migration_rows(NORMAL)
        columns = _execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = 'django_session'",
            [BROKEN],
        )
        assert columns == [("x",)]


def test_a_second_run_finds_everything_up_to_date(migrated, django_db_blocker):
    """Resumable: running again migrates nothing in the schemas that are done."""
    with django_db_blocker.unblock():
        report = communes_migrate([PILOT, REPLAYED, NORMAL], RunOptions(workers=1))
    assert report == MigrateReport(up_to_date={PILOT, REPLAYED, NORMAL})


def test_the_command_with_nothing_to_do_reports_every_schema_up_to_date(db):
    """The template and the 80 communes are clones of the migrated template: nothing to do."""
    from io import StringIO

    out = StringIO()
    call_command("migrate_communes", workers=1, stdout=out)
    count = Commune.objects.count() + 1
    assert f"0 Schemas migriert (0 per SQL-Replay, 0 auf dem normalen Weg), {count} waren " in (
        out.getvalue()
    )


def test_the_command_refuses_unknown_schemas_and_changes_nothing(db):
    """A schema that is neither the template nor a commune's is refused before anything runs."""
    before = _execute("SELECT count(*) FROM pg_namespace")
    with pytest.raises(CommandError, match="Kein Gemeinde- oder Vorlage-Schema: public, wrong"):
        call_command("migrate_communes", schemas=["gemeinde_1061", "wrong", "public"])
    assert _execute("SELECT count(*) FROM pg_namespace") == before


def test_the_command_refuses_zero_workers(db):
    with pytest.raises(CommandError, match="--workers muss mindestens 1 sein"):
        call_command("migrate_communes", workers=0)


def test_stop_on_error_starts_no_further_schema_and_continue_does():
    """run_per_schema: after a failure, --stop-on-error starts nothing more; the default
    goes on with the remaining schemas and reports the failure."""
    from tenants.migrate_replay import run_per_schema

    def step(schema: str, calls: list) -> None:
        calls.append(schema)
        if schema == "b":
            raise ValueError("kaputt")

    calls: list[str] = []
    done, failed, stopped = run_per_schema(
        step, calls, ["a", "b", "c"], workers=1, stop_on_error=True
    )
    assert (done, failed, stopped, calls) == (["a"], {"b": "ValueError: kaputt"}, True, ["a", "b"])
    calls.clear()
    done, failed, stopped = run_per_schema(
        step, calls, ["a", "b", "c"], workers=1, stop_on_error=False
    )
    assert (done, failed, stopped, calls) == (["a", "c"], {"b": "ValueError: kaputt"}, False, calls)
    assert calls == ["a", "b", "c"]
