from django.db import migrations, models


def drop_duplicate_generated_documents(apps, schema_editor):
    """Keep the oldest of generated documents with the same (case, step, name); steps that
    point at a removed copy point at the kept one, and the removed copy's file goes too."""
    Document = apps.get_model("cases", "Document")
    CaseStep = apps.get_model("cases", "CaseStep")
    kept: dict[tuple, object] = {}
    duplicates = []
    generated = Document.objects.filter(kind="generated").order_by(
        "case_id", "field_key", "name", "created_at", "id"
    )
    for document in generated.iterator():
        key = (document.case_id, document.field_key, document.name)
        if key in kept:
            duplicates.append((document, kept[key]))
        else:
            kept[key] = document
    for duplicate, original in duplicates:
        old, new = str(duplicate.pk), str(original.pk)
        for step in CaseStep.objects.filter(case_id=duplicate.case_id):
            if isinstance(step.output, dict) and old in step.output.values():
                step.output = {k: new if v == old else v for k, v in step.output.items()}
                step.save(update_fields=["output"])
        if duplicate.file and duplicate.file.name != original.file.name:
            duplicate.file.delete(save=False)
        duplicate.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_payloads_encrypted"),
    ]

    operations = [
        migrations.RunPython(drop_duplicate_generated_documents, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "generated")),
                fields=("case", "field_key", "name"),
                name="document_generated_unique",
            ),
        ),
    ]
