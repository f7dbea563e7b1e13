from django.db import migrations

# The ledger is append-only in the database itself: no UPDATE or DELETE of a row, from the
# admin, a shell or psql alike. TRUNCATE is refused as soon as the ledger holds a booking (an
# empty ledger has nothing to protect, so test databases can still be flushed).
SQL = """
CREATE OR REPLACE FUNCTION billing_ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'Das Hauptbuch des Digitalisierungsfünflibers ist unveränderlich (% verweigert). Korrekturen erfolgen als Stornobuchung.', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE OR REPLACE FUNCTION billing_ledger_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    has_rows boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I)', TG_TABLE_SCHEMA, TG_TABLE_NAME)
        INTO has_rows;
    IF has_rows THEN
        RAISE EXCEPTION 'Das Hauptbuch des Digitalisierungsfünflibers ist unveränderlich (TRUNCATE verweigert).'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER billing_ledger_append_only
    BEFORE UPDATE OR DELETE ON billing_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION billing_ledger_refuse_change();

CREATE TRIGGER billing_ledger_no_truncate
    BEFORE TRUNCATE ON billing_ledgerentry
    FOR EACH STATEMENT EXECUTE FUNCTION billing_ledger_refuse_truncate();
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS billing_ledger_no_truncate ON billing_ledgerentry;
DROP TRIGGER IF EXISTS billing_ledger_append_only ON billing_ledgerentry;
DROP FUNCTION IF EXISTS billing_ledger_refuse_truncate();
DROP FUNCTION IF EXISTS billing_ledger_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_seed_rates")]

    operations = [migrations.RunSQL(SQL, REVERSE_SQL)]
