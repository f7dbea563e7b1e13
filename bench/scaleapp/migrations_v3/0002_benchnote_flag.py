from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scaleapp", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="benchnote", name="flag", field=models.BooleanField(default=False)
        )
    ]
