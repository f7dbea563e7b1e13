"""Tenant migrations across thousands of commune schemas: collect the SQL once, replay it.

`migrate_schemas` costs ~0.4 s per schema even with nothing to do (loading the graph, checks,
`post_migrate`, several scans of `pg_class` that grow with the number of schemas). Here the
schemas are grouped by the migrations they have applied. For each group one *pilot* schema
(the template when it is in that state) runs the pending migrations one by one: the SQL of each
is collected with `schema_editor(collect_sql=True)` (as `sqlmigrate` does) and then executed in
the pilot, so every migration is collected against the real state it runs on. Every other
schema of the group then replays that SQL in one transaction of its own, together with its
`django_migrations` rows and the content types and permissions `post_migrate` created in the
pilot. A migration whose effect SQL cannot express (a `RunPython` the router allows in a
tenant schema, a custom operation) or that is not atomic runs through the normal path
(`migrate_schemas --schema=<schema> <app> <migration>`) for every schema of its group; the
replay then continues with the migrations after it.

Each schema migrates in its own transaction, so a run that fails or is interrupted is resumed
by running it again. A failing schema is reported and left unchanged; the others continue
(or, with `stop_on_error`, no further schema starts).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import DatabaseError, connection, connections, router, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.migration import Migration
from django.db.migrations.operations import RunPython, SeparateDatabaseAndState
from django.db.migrations.recorder import MigrationRecorder

from tenants.models import Commune
from tenants.schema_clone import _quote, template_schema_name

Key = tuple[str, str]
State = frozenset[Key]

# Rows post_migrate creates, copied by natural key from the pilot (ids may differ per schema).
_SYNC_CONTENT_TYPES = """
INSERT INTO django_content_type ({columns})
SELECT {t_columns} FROM {pilot}.django_content_type t
WHERE NOT EXISTS (SELECT 1 FROM django_content_type c
                  WHERE c.app_label = t.app_label AND c.model = t.model)"""
_SYNC_PERMISSIONS = """
INSERT INTO auth_permission ({columns}, content_type_id)
SELECT {p_columns}, c.id FROM {pilot}.auth_permission p
JOIN {pilot}.django_content_type tc ON tc.id = p.content_type_id
JOIN django_content_type c ON c.app_label = tc.app_label AND c.model = tc.model
WHERE NOT EXISTS (SELECT 1 FROM auth_permission q
                  WHERE q.content_type_id = c.id AND q.codename = p.codename)"""


def _columns(schema: str, table: str, leave_out: set[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            [schema, table],
        )
        return [_quote(row[0]) for row in cursor.fetchall() if row[0] not in leave_out]


def _sync_statements(pilot: str) -> tuple[str, ...]:
    """Copy what post_migrate added in the pilot, with the columns the tables have now."""
    statements = []
    columns = _columns(pilot, "django_content_type", {"id"})
    if columns:
        statements.append(
            _SYNC_CONTENT_TYPES.format(
                columns=", ".join(columns),
                t_columns=", ".join(f"t.{c}" for c in columns),
                pilot=_quote(pilot),
            )
        )
        columns = _columns(pilot, "auth_permission", {"id", "content_type_id"})
    if columns:
        statements.append(
            _SYNC_PERMISSIONS.format(
                columns=", ".join(columns),
                p_columns=", ".join(f"p.{c}" for c in columns),
                pilot=_quote(pilot),
            )
        )
    return tuple(statements)


class ReplayStateChanged(DatabaseError):
    """The schema is no longer in the state the script was collected for."""


@dataclass(frozen=True)
class ReplayScript:
    """The SQL of a run of replayable migrations, collected in `pilot` from state `state`."""

    pilot: str
    state: State
    statements: tuple[str, ...]
    records: tuple[Key, ...]
    bootstrap: tuple[str, ...] = ()  # creates django_migrations where it is missing
    sync: tuple[str, ...] = ()  # copies content types and permissions from the pilot


@dataclass
class MigrateReport:
    """Which schemas went which way; a schema can be both replayed and on the normal path."""

    replayed: set[str] = field(default_factory=set)
    normal_path: set[str] = field(default_factory=set)
    up_to_date: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    stopped: bool = False


def commune_schemas() -> list[str]:
    """The template first, then every commune schema that exists."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        existing = {row[0] for row in cursor.fetchall()}
    communes = sorted(Commune.objects.values_list("schema_name", flat=True))
    template = template_schema_name()
    return [s for s in [template, *communes] if s in existing and s != "public"]


def _applied_states(schemas: list[str]) -> dict[str, State]:
    """Applied migrations per schema, read in batches of one query each."""
    states: dict[str, State] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'django_migrations' AND c.relkind = 'r' AND n.nspname = ANY(%s)",
            [schemas],
        )
        with_table = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(with_table), 200):
            batch = with_table[start : start + 200]
            union = " UNION ALL ".join(
                f"SELECT {i}, app, name FROM {_quote(s)}.django_migrations"  # noqa: S608 - quoted names
                for i, s in enumerate(batch)
            )
            cursor.execute(union)
            rows: dict[int, set[Key]] = {i: set() for i in range(len(batch))}
            for i, app, name in cursor.fetchall():
                rows[i].add((app, name))
            states.update({batch[i]: frozenset(keys) for i, keys in rows.items()})
    return {s: states.get(s, frozenset()) for s in schemas}


def _executor_for(schema: str) -> MigrationExecutor:
    connection.set_schema(schema, include_public=False)
    executor = MigrationExecutor(connection)
    connection.set_schema(schema)
    return executor


def _pending(executor: MigrationExecutor) -> list[Migration]:
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [migration for migration, backwards in plan if not backwards]


def _database_operations(operations: Iterable) -> Iterable:
    for operation in operations:
        if isinstance(operation, SeparateDatabaseAndState):
            yield from _database_operations(operation.database_operations)
        else:
            yield operation


def replayable(migration: Migration) -> bool:
    """SQL says all this migration does in the current schema (no allowed RunPython)."""
    if not migration.atomic:
        return False
    for operation in _database_operations(migration.operations):
        if isinstance(operation, RunPython):
            if router.allow_migrate(connection.alias, migration.app_label, **operation.hints):
                return False
        elif not operation.reduces_to_sql:
            return False
    return True


def _records(migration: Migration) -> list[Key]:
    """Rows migrate writes: a squashed migration records what it replaces and, through
    `check_replacements`, itself."""
    return [*migration.replaces, (migration.app_label, migration.name)]


def _bootstrap_statements() -> tuple[str, ...]:
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        editor.create_model(MigrationRecorder.Migration)
    return tuple(editor.collected_sql)


def collect_in_pilot(pilot: str, state: State) -> ReplayScript | None:
    """Run the replayable migrations at the head of the pilot's plan, collecting their SQL.

    Returns None when the first pending migration is not replayable.
    """
    executor = _executor_for(pilot)
    bootstrap = () if executor.recorder.has_table() else _bootstrap_statements()
    statements: list[str] = []
    records: list[Key] = []
    ran: list[tuple[Migration, bool]] = []
    with transaction.atomic():
        executor.recorder.ensure_schema()
        project_state = executor._create_project_state(with_applied_migrations=True)
        for migration in _pending(executor):
            if not replayable(migration):
                break
            with connection.schema_editor(collect_sql=True, atomic=True) as editor:
                project_state = migration.apply(project_state, editor, collect_sql=True)
            sql = [s for s in editor.collected_sql if not s.lstrip().startswith("--")]
            with connection.cursor() as cursor:
                for statement in sql:
                    cursor.execute(statement)
            for app, name in _records(migration):
                executor.recorder.record_applied(app, name)
            statements += sql
            records += _records(migration)
            ran.append((migration, False))
        if ran:  # as migrate does: with the models as the migrations left them
            project_state.clear_delayed_apps_cache()
            emit_post_migrate_signal(0, False, connection.alias, apps=project_state.apps, plan=ran)
        sync = _sync_statements(pilot) if ran else ()
    connection.set_schema_to_public()
    if not ran:
        return None
    return ReplayScript(pilot, state, tuple(statements), tuple(records), bootstrap, sync)


def replay(schema: str, script: ReplayScript) -> None:
    """Bring one schema from `script.state` to the pilot's state, in one transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL search_path = {_quote(schema)}, public")
        cursor.execute("SELECT to_regclass(%s)", [f"{_quote(schema)}.django_migrations"])
        if cursor.fetchone()[0] is None:
            for statement in script.bootstrap:
                cursor.execute(statement)
        cursor.execute("LOCK TABLE django_migrations IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SELECT app, name FROM django_migrations")
        if frozenset(cursor.fetchall()) != script.state:
            raise ReplayStateChanged(
                f"Schema {schema} hat seinen Migrationsstand während des Laufs geändert"
            )
        for statement in script.statements:
            cursor.execute(statement)
        cursor.executemany(
            "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, now())",
            list(script.records),
        )
        for statement in script.sync:
            cursor.execute(statement)
    connection.search_path_set_schemas = None


def migrate_one_normally(schema: str, migration: Key) -> None:
    """The normal django-tenants path, up to and including one migration."""
    call_command(
        "migrate_schemas",
        migration[0],
        migration[1],
        tenant=True,  # never public: a target there could unapply its later migrations
        schema_name=schema,
        interactive=False,
        verbosity=0,
    )
    connection.set_schema_to_public()


# --- running tasks in worker processes --------------------------------------------------------

_TASK: dict = {}


def _run_task(schema: str) -> tuple[str, str | None]:
    try:
        _TASK["function"](schema, _TASK["argument"])
    except Exception as error:
        connection.set_schema_to_public()
        return schema, f"{type(error).__name__}: {error}".strip()
    return schema, None


def _close_connections() -> None:
    connections.close_all()


def run_per_schema(
    function: Callable[[str, object], None],
    argument: object,
    schemas: list[str],
    *,
    workers: int,
    stop_on_error: bool,
) -> tuple[list[str], dict[str, str], bool]:
    """`function(schema, argument)` for each schema, in `workers` forked processes.

    Returns (done, failed, stopped). With stop_on_error no further schema starts after the
    first failure; the workers are terminated, so a schema in flight is rolled back.
    """
    _TASK.update(function=function, argument=argument)
    done: list[str] = []
    failed: dict[str, str] = {}
    if workers <= 1 or len(schemas) <= 1:
        results: Iterable = map(_run_task, schemas)
        pool = None
    else:
        connections.close_all()
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_close_connections)
        results = pool.imap(_run_task, schemas, chunksize=1 if stop_on_error else 8)
    stopped = False
    try:
        for schema, error in results:
            if error is None:
                done.append(schema)
                continue
            failed[schema] = error
            if stop_on_error:
                stopped = True
                break
    finally:
        if pool is not None:
            pool.terminate() if stopped else pool.close()
            pool.join()
    return done, failed, stopped


# --- the whole run ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunOptions:
    workers: int = 2
    stop_on_error: bool = False
    log: Callable[[str], None] = lambda message: None


def communes_migrate(schemas: list[str] | None = None, options: RunOptions | None = None):
    """Migrate the given schemas (default: the template and every commune) to the code's
    migrations. Returns a MigrateReport; never raises for a failing schema."""
    options = options or RunOptions()
    report = MigrateReport()
    remaining = list(schemas if schemas is not None else commune_schemas())
    first_round = True
    seen: dict[str, set[State]] = {}
    while remaining and not report.stopped:
        groups: dict[State, list[str]] = {}
        for schema, state in _applied_states(remaining).items():
            if state in seen.setdefault(schema, set()):  # a step that recorded nothing
                report.failed[schema] = "Migration ohne Fortschritt (Stand unverändert)"
                continue
            seen[schema].add(state)
            groups.setdefault(state, []).append(schema)
        remaining = []
        for state, members in groups.items():
            remaining += _advance_group(state, members, report, options, first_round)
            if report.stopped:
                break
        first_round = False
    connection.set_schema_to_public()
    return report


def _advance_group(
    state: State, members: list[str], report: MigrateReport, options: RunOptions, first: bool
) -> list[str]:
    """One step for schemas in the same state; returns the schemas that moved on."""
    executor = _executor_for(members[0])
    pending = _pending(executor)
    if not pending:
        connection.set_schema_to_public()
        if first:
            report.up_to_date.update(members)
        return []
    if not replayable(pending[0]):
        connection.set_schema_to_public()
        key = (pending[0].app_label, pending[0].name)
        options.log(f"{key[0]}.{key[1]}: normaler Weg für {len(members)} Schemas")
        done, failed, stopped = run_per_schema(
            migrate_one_normally,
            key,
            members,
            workers=options.workers,
            stop_on_error=options.stop_on_error,
        )
        report.normal_path.update(done)
        report.failed.update(failed)
        report.stopped = stopped
        return done
    return _replay_group(state, members, report, options)


def _replay_group(
    state: State, members: list[str], report: MigrateReport, options: RunOptions
) -> list[str]:
    for index, pilot in enumerate(members):
        try:
            script = collect_in_pilot(pilot, state)
        except Exception as error:
            connection.set_schema_to_public()
            report.failed[pilot] = f"{type(error).__name__}: {error}".strip()
            if options.stop_on_error:
                report.stopped = True
                return []
            continue
        others = members[index + 1 :]
        names = ", ".join(f"{app}.{name}" for app, name in script.records)
        options.log(f"Pilot {pilot}: {names}; Replay in {len(others)} weiteren Schemas")
        done, failed, stopped = run_per_schema(
            replay, script, others, workers=options.workers, stop_on_error=options.stop_on_error
        )
        report.replayed.update([pilot, *done])
        report.failed.update(failed)
        report.stopped = stopped
        return [pilot, *done]
    return []
