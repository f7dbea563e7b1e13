from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_offer_snapshots_commune_services"),
    ]

    operations = [
        migrations.AddField(
            model_name="service",
            name="approval_reason",
            field=models.TextField(
                blank=True,
                help_text="Sieht die Gemeinde, deren eigene Leistung der Kanton abgelehnt hat.",
                verbose_name="Begründung der Ablehnung",
            ),
        ),
        migrations.AddField(
            model_name="service",
            name="approval_decided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="entschieden am"),
        ),
    ]
