from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scaleapp", "0002_benchnote_flag")]
    operations = [
        migrations.AddField(
            model_name="benchnote",
            name="tag",
            field=models.CharField(max_length=20, blank=True, default=""),
        )
    ]
