# Programme years as data (realisation 2021–2024, operations from 2025), the ledger's booking
# date (backfilled inside the booking year with the append-only trigger paused for this one
# statement), deliverables and their links to expenditures.

from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# Realisation: Verband Luzerner Gemeinden, "Digitale Gemeinde — Organisation und Finanzierung".
# Operations: the 2025 draft cantonal e-government law names about CHF 1.6 million a year; the
# key between canton and communes is the canton's decision. 50 % is the starting value until it
# is set (editable in the cantonal admin, no release needed).
OPERATIONS_BASIS = (
    "Entwurf kantonales E-Government-Gesetz 2025: rund CHF 1,6 Mio. pro Jahr; "
    "Schlüssel 50/50 als Ausgangswert bis zum Entscheid des Kantons"
)
YEARS = [
    (2021, "realisation", None, None, "Fr. 1.25 pro Einwohner/in, Kanton gleich viel"),
    (2022, "realisation", None, None, "Fr. 2.50 pro Einwohner/in, Kanton gleich viel"),
    (2023, "realisation", None, None, "Fr. 2.50 pro Einwohner/in, Kanton gleich viel"),
    (2024, "realisation", None, None, "Fr. 2.50 pro Einwohner/in, Kanton gleich viel"),
    (2025, "operations", Decimal("1600000.00"), Decimal("50.00"), OPERATIONS_BASIS),
    (2026, "operations", Decimal("1600000.00"), Decimal("50.00"), OPERATIONS_BASIS),
]

BACKFILL = """
ALTER TABLE billing_ledgerentry DISABLE TRIGGER billing_ledger_append_only;
UPDATE billing_ledgerentry
   SET booking_date = LEAST(GREATEST((booked_at AT TIME ZONE 'Europe/Zurich')::date,
                                     make_date(year, 1, 1)), make_date(year, 12, 31))
 WHERE booking_date IS NULL;
ALTER TABLE billing_ledgerentry ENABLE TRIGGER billing_ledger_append_only;
"""



def seed_years(apps, schema_editor):
    ProgrammeYear = apps.get_model("billing", "ProgrammeYear")
    for year, phase, costs, share, basis in YEARS:
        ProgrammeYear.objects.get_or_create(
            year=year,
            defaults={
                "phase": phase,
                "operating_costs": costs,
                "canton_share_percent": share,
                "basis": basis,
            },
        )


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0003_ledger_append_only'),
        ('tenants', '0005_worker_heartbeat'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Deliverable',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('stage', 'Leistung auf Formular/automatisiert gebracht'), ('connector', 'Schnittstelle in Betrieb genommen'), ('pilot', 'Pilot Public Innovator')], max_length=12, verbose_name='Art')),
                ('title', models.CharField(max_length=200, verbose_name='Titel')),
                ('service_key', models.CharField(blank=True, max_length=80, verbose_name='Dienstleistung')),
                ('stage', models.CharField(blank=True, max_length=10, verbose_name='neue Stufe')),
                ('communes', models.PositiveIntegerField(default=0, verbose_name='Anzahl Gemeinden')),
                ('delivered_on', models.DateField(verbose_name='geliefert am')),
                ('description', models.TextField(blank=True, verbose_name='Beschreibung')),
            ],
            options={
                'verbose_name': 'Ergebnis',
                'verbose_name_plural': 'Ergebnisse',
                'ordering': ['delivered_on', 'id'],
            },
        ),
        migrations.CreateModel(
            name='ExpenditureLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('linked_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'verbose_name': 'Verknüpfung Ausgabe–Ergebnis',
                'verbose_name_plural': 'Verknüpfungen Ausgabe–Ergebnis',
            },
        ),
        migrations.CreateModel(
            name='ProgrammeYear',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(unique=True, verbose_name='Jahr')),
                ('phase', models.CharField(choices=[('realisation', 'Realisierung'), ('operations', 'Betrieb')], max_length=12, verbose_name='Phase')),
                ('operating_costs', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='Betriebskosten (CHF)')),
                ('canton_share_percent', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name='Anteil Kanton (%)')),
                ('basis', models.CharField(blank=True, max_length=300, verbose_name='Grundlage')),
            ],
            options={
                'verbose_name': 'Programmjahr',
                'verbose_name_plural': 'Programmjahre',
                'ordering': ['year'],
            },
        ),
        migrations.AddField(
            model_name='ledgerentry',
            name='booking_date',
            field=models.DateField(null=True, verbose_name='Buchungsdatum'),
        ),
        migrations.AddIndex(
            model_name='ledgerentry',
            index=models.Index(fields=['booking_date'], name='ledger_booking_date'),
        ),
        migrations.AddField(
            model_name='expenditurelink',
            name='deliverable',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='links', to='billing.deliverable'),
        ),
        migrations.AddField(
            model_name='expenditurelink',
            name='entry',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deliverable_links', to='billing.ledgerentry'),
        ),
        migrations.AddConstraint(
            model_name='programmeyear',
            constraint=models.CheckConstraint(condition=models.Q(('canton_share_percent__isnull', True), models.Q(('canton_share_percent__gte', 0), ('canton_share_percent__lte', 100)), _connector='OR'), name='programme_year_share_0_100'),
        ),
        migrations.AddConstraint(
            model_name='programmeyear',
            constraint=models.CheckConstraint(condition=models.Q(('operating_costs__isnull', True), ('operating_costs__gte', 0), _connector='OR'), name='programme_year_costs_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='expenditurelink',
            constraint=models.UniqueConstraint(fields=('entry', 'deliverable'), name='expenditure_link_unique'),
        ),
        migrations.RunPython(seed_years, migrations.RunPython.noop),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
