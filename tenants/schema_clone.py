"""Fast commune onboarding: clone the migrated template schema with one SQL script.

django-tenants' own cloning runs a generic PL/pgSQL function and then fakes every migration
(~0.7 s for a small schema). Here the template is introspected once per batch into a plain DDL
script (tables, constraints and indexes under their original names, so later migrations find
them; identity sequences; the rows migrations left behind such as django_migrations, content
types and permissions) and each new commune replays that script in its own schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import get_public_schema_name, schema_exists


class TemplateSchemaError(RuntimeError):
    """The template schema holds objects the cloner does not reproduce."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def template_schema_name() -> str:
    return settings.TENANT_TEMPLATE_SCHEMA


def tenant_migrations_on_disk() -> set[tuple[str, str]]:
    tenant_labels = {
        apps.get_app_config(app.rsplit(".", 1)[-1]).label for app in settings.TENANT_APPS
    }
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    return {key for key in loader.disk_migrations if key[0] in tenant_labels}


def applied_in(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"{_quote(schema)}.django_migrations"])
        if cursor.fetchone()[0] is None:
            return set()
        cursor.execute(f"SELECT app, name FROM {_quote(schema)}.django_migrations")
        return set(cursor.fetchall())


def template_ensure(verbosity: int = 0) -> bool:
    """Create the template schema, or migrate it if the code has migrations it lacks.

    Returns True when the template had to be (re)built.
    """
    schema = template_schema_name()
    missing = tenant_migrations_on_disk() - applied_in(schema)
    if schema_exists(schema) and not missing:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(schema)}")
    call_command(
        "migrate_schemas",
        tenant=True,
        schema_name=schema,
        interactive=False,
        verbosity=verbosity,
    )
    connection.set_schema_to_public()
    return True


@dataclass(frozen=True)
class CloneScript:
    """The DDL and data statements that rebuild the template in the current search_path."""

    template: str
    statements: tuple[str, ...]
    # The last `crossing` statements add the foreign keys into public tables.
    crossing: int = 0

    def sql(self) -> str:
        return ";\n".join(self.statements) + ";"


def _fetch(cursor, sql: str, params: list) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def build_clone_script() -> CloneScript:
    """Introspect the (up-to-date) template schema into a replayable script."""
    template = template_schema_name()
    with transaction.atomic(), connection.cursor() as cursor:
        # Introspect with only the template visible, so that definitions name its own tables
        # without a schema and public tables with "public.".
        cursor.execute(f"SET LOCAL search_path = {_quote(template)}")
        _refuse_unsupported(cursor, template)
        tables = [
            row[0]
            for row in _fetch(
                cursor,
                """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname""",
                [template],
            )
        ]
        statements = [
            f"CREATE TABLE {_quote(table)} (LIKE {_quote(template)}.{_quote(table)} "
            "INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE "
            "INCLUDING COMMENTS)"
            for table in tables
        ]
        local, to_public = _constraint_statements(cursor, template)
        statements += local
        statements += _index_statements(cursor, template)
        statements += _row_statements(cursor, template, tables)
        # Last, just before the commit: a foreign key into a public table takes a
        # SHARE ROW EXCLUSIVE lock on that table until the transaction ends, which makes every
        # other onboarding (and migrate_communes worker) wait at its own foreign key.
        statements += to_public
    connection.search_path_set_schemas = None
    return CloneScript(template=template, statements=tuple(statements), crossing=len(to_public))


def _refuse_unsupported(cursor, template: str) -> None:
    """Views, foreign tables, functions and triggers would not be copied: refuse them."""
    unsupported = _fetch(
        cursor,
        """
        SELECT c.relkind, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relkind IN ('v', 'm', 'f')
        UNION ALL
        SELECT 'function', p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = %s
        UNION ALL
        SELECT 'trigger', t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND NOT t.tgisinternal
        """,
        [template, template, template],
    )
    if unsupported:
        raise TemplateSchemaError(
            f"Template schema {template} holds objects the cloner does not copy: {unsupported}"
        )


def _constraint_statements(cursor, template: str) -> tuple[list[str], list[str]]:
    """Primary keys and unique constraints first (foreign keys need them), then checks, then
    foreign keys; each under its original name. Returns the constraints within the schema and,
    apart, the foreign keys into tables of other schemas (public)."""
    constraints = _fetch(
        cursor,
        """
        SELECT cl.relname, con.conname, pg_get_constraintdef(con.oid),
               con.contype = 'f' AND ref.relnamespace <> n.oid
        FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = cl.relnamespace
        LEFT JOIN pg_class ref ON ref.oid = con.confrelid
        WHERE n.nspname = %s AND con.contype IN ('p', 'u', 'x', 'c', 'f')
        ORDER BY array_position(ARRAY['p', 'u', 'x', 'c', 'f'], con.contype::text),
                 cl.relname, con.conname
        """,
        [template],
    )
    local: list[str] = []
    to_public: list[str] = []
    for table, name, definition, crosses in constraints:
        statement = f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {definition}"
        (to_public if crosses else local).append(statement)
    return local, to_public


def _index_statements(cursor, template: str) -> list[str]:
    """The indexes that no constraint created, pointed at the new schema."""
    indexes = _fetch(
        cursor,
        """
        SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
        WHERE n.nspname = %s
          AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid
                          AND con.contype IN ('p', 'u', 'x'))
        ORDER BY ic.relname
        """,
        [template],
    )
    # pg_get_indexdef always names the table with its schema; point it at the new one.
    cursor.execute("SELECT quote_ident(%s)", [template])
    qualified = re.compile(r" ON (ONLY )?" + re.escape(cursor.fetchone()[0]) + r"\.")
    return [qualified.sub(r" ON \1", row[0], count=1) for row in indexes]


def _row_statements(cursor, template: str, tables: list[str]) -> list[str]:
    """The rows migrations left in the template (django_migrations, content types, ...), with
    identity sequences set past them."""
    tq = _quote(template)
    statements: list[str] = []
    for table in tables:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {tq}.{_quote(table)})")
        if not cursor.fetchone()[0]:
            continue
        statements.append(
            f"INSERT INTO {_quote(table)} OVERRIDING SYSTEM VALUE "
            f"SELECT * FROM {tq}.{_quote(table)}"
        )
        identity = _fetch(
            cursor,
            """SELECT attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relname = %s AND a.attidentity <> ''""",
            [template, table],
        )
        for (column,) in identity:
            statements.append(
                f"SELECT setval(pg_get_serial_sequence('{_quote(table)}', '{column}'), "
                f"(SELECT max({_quote(column)}) FROM {_quote(table)}))"
            )
    return statements


def clone_schema(schema_name: str, script: CloneScript) -> None:
    """Create `schema_name` as a copy of the template. Runs in the caller's transaction."""
    if schema_exists(schema_name):
        raise TemplateSchemaError(f"Schema {schema_name} exists already")
    public = _quote(get_public_schema_name())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {_quote(schema_name)}")
        cursor.execute(f"SET LOCAL search_path = {_quote(schema_name)}, {public}")
        cursor.execute(script.sql())
    # django-tenants caches the search_path it set last; make it issue its own again.
    connection.search_path_set_schemas = None
