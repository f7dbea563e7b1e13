from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """Extensions live in public, so every commune schema (search_path "<commune>, public") has them."""

    dependencies = [("tenants", "0001_initial")]

    operations = [TrigramExtension(), UnaccentExtension()]
