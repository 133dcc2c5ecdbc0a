from django.db import migrations

import weiguang.core.models


def create_token(apps, schema_editor):
    # a new database gets a token of its own, so it never reads what the cache holds for another
    Installation = apps.get_model("core", "Installation")
    if not Installation.objects.exists():
        Installation.objects.create(token=weiguang.core.models.new_installation_token())


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create_token, migrations.RunPython.noop)]
