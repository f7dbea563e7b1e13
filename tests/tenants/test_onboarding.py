import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_exists

from tenants.models import Commune
from tenants.schema_clone import template_schema_name
from tenants.services import OnboardingSession, commune_slug

pytestmark = pytest.mark.django_db


def _structure(schema: str) -> dict[str, list]:
    """Columns, constraints and indexes of a schema, with the schema name taken out."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
            FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 2""",
            [schema],
        )
        columns = cursor.fetchall()
        cursor.execute(
            """SELECT cl.relname, con.conname, con.contype, pg_get_constraintdef(con.oid)
            FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid
            JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE n.nspname = %s ORDER BY 1, 2""",
            [schema],
        )
        constraints = [
            (t, n, k, d.replace(f"{schema}.", "<schema>.")) for t, n, k, d in cursor.fetchall()
        ]
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s ORDER BY 1, 2",
            [schema],
        )
        indexes = [(t, i, d.replace(f"{schema}.", "<schema>.")) for t, i, d in cursor.fetchall()]
    return {"columns": columns, "constraints": constraints, "indexes": indexes}


def _rows(schema: str, table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{schema}"."{table}" ORDER BY 1')
        return cursor.fetchall()


def test_a_cloned_commune_has_exactly_the_template_structure():
    """Cloning reproduces every column, constraint (by name) and index (by name) of the template."""
    commune = OnboardingSession().onboard(bfs_number=351, name="Bern", canton="BE")
    assert _structure(commune.schema_name) == _structure(template_schema_name())
    for table in ("django_migrations", "django_content_type", "auth_permission"):
        assert _rows(commune.schema_name, table) == _rows(template_schema_name(), table)


def test_a_cloned_commune_can_store_rows_with_fresh_ids(in_commune):
    """Identity sequences continue after the copied rows: new rows get new ids."""
    from django.contrib.auth.models import Group, Permission

    commune = OnboardingSession().onboard(bfs_number=351, name="Bern", canton="BE")
    with in_commune(commune):
        group = Group.objects.create(name="Einwohnerdienste")
        permission = Permission.objects.create(
            name="x", codename="x_test", content_type_id=Permission.objects.first().content_type_id
        )
        assert group.pk == 1
        assert permission.pk > Permission.objects.exclude(pk=permission.pk).order_by("-pk")[0].pk


def test_onboarding_creates_row_schema_and_domain():
    """A new commune gets its row, a schema named from its BFS number and its host."""
    commune = OnboardingSession().onboard(bfs_number=230, name="Winterthur", canton="ZH")
    assert commune.schema_name == "gemeinde_230"
    assert schema_exists("gemeinde_230")
    assert commune.primary_domain == "winterthur.localhost"


def test_onboard_command_takes_a_list_of_bfs_numbers():
    """The command onboards the listed official communes and skips existing ones."""
    call_command("onboard_communes", bfs=[351, 371, 1059], verbosity=0)
    assert set(Commune.objects.filter(canton="BE").values_list("name", flat=True)) == {
        "Bern",
        "Biel/Bienne",
    }
    assert Commune.objects.filter(bfs_number=1059).count() == 1


def test_onboard_command_refuses_unknown_numbers():
    """Unknown BFS numbers are refused and nothing is onboarded."""
    with pytest.raises(CommandError, match="Unbekannte"):
        call_command("onboard_communes", bfs=[351, 99999], verbosity=0)
    assert not Commune.objects.filter(bfs_number=351).exists()


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Hasle (LU)", "hasle-lu"),
        ("Flühli", "fluehli"),
        ("Biel/Bienne", "biel-bienne"),
        ("Hergiswil bei Willisau", "hergiswil-bei-willisau"),
        ("Schötz", "schoetz"),
    ],
)
def test_commune_slug(name, slug):
    """Host labels are lower case ASCII with hyphens, umlauts transliterated."""
    assert commune_slug(name) == slug


def test_no_commune_table_has_a_database_constraint_into_the_public_catalogue(db):
    """References from commune tables into the catalogue (cases, steps, drafts, offers) carry no
    foreign-key constraint: one per commune put thousands of triggers on the catalogue tables and
    made each onboarding slower than the last (docs/scaling.md). The clone script therefore
    holds no statement that crosses into public, and a migrated commune has no such constraint."""
    script = OnboardingSession().script
    assert script.crossing == 0
    assert not any("REFERENCES public." in s for s in script.statements)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT n.nspname, c.conname FROM pg_constraint c
               JOIN pg_namespace n ON n.oid = c.connamespace
               JOIN pg_class target ON target.oid = c.confrelid
               JOIN pg_namespace tn ON tn.oid = target.relnamespace
               WHERE c.contype = 'f' AND tn.nspname = 'public' AND n.nspname <> 'public'"""
        )
        crossing = cursor.fetchall()
    assert crossing == []
