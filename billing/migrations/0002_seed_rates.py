from decimal import Decimal

from django.db import migrations

# Verband Luzerner Gemeinden, "Digitale Gemeinde — Organisation und Finanzierung":
# CHF 1.25 per resident for 2021, CHF 2.50 from 2022 up to and including 2024.
RATES = {2021: Decimal("1.25"), 2022: Decimal("2.50"), 2023: Decimal("2.50"), 2024: Decimal("2.50")}


def seed(apps, schema_editor):
    ContributionRate = apps.get_model("billing", "ContributionRate")
    for year, rate in RATES.items():
        ContributionRate.objects.get_or_create(year=year, defaults={"rate": rate})


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
