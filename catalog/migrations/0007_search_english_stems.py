"""Recompute the search columns of every version: English names, summaries and topic names are
now indexed with the English stemmer as well (issue 15: "moving" finds the move services)."""

from django.db import migrations, router


def refresh(apps, schema_editor):
    ServiceVersion = apps.get_model("catalog", "ServiceVersion")
    if not router.allow_migrate_model(schema_editor.connection.alias, ServiceVersion):
        return
    from catalog.services.versions import _SEARCH_SQL

    versions = ServiceVersion.objects.using(schema_editor.connection.alias).prefetch_related(
        "service__topics"
    )
    with schema_editor.connection.cursor() as cursor:
        for version in versions:
            topics = list(version.service.topics.all())
            cursor.execute(
                _SEARCH_SQL,
                {
                    "topics": " ".join(t.name_de for t in topics),
                    "topics_en": " ".join(t.name_en for t in topics),
                    "id": version.pk,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_serviceversion_retention_and_register_attributes")]

    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
