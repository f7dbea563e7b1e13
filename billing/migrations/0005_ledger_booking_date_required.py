# The booking date is required and lies in the booking's programme year (separate from 0004:
# PostgreSQL refuses ALTER TABLE while the backfill's trigger events are pending).

from django.db import migrations, models

YEAR_CHECK = """
ALTER TABLE billing_ledgerentry ADD CONSTRAINT ledger_booking_date_in_year
    CHECK (extract(year FROM booking_date) = year);
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_programme_years_booking_date")]

    operations = [
        migrations.AlterField(
            model_name="ledgerentry",
            name="booking_date",
            field=models.DateField(verbose_name="Buchungsdatum"),
        ),
        migrations.RunSQL(
            YEAR_CHECK,
            "ALTER TABLE billing_ledgerentry DROP CONSTRAINT ledger_booking_date_in_year;",
        ),
    ]
