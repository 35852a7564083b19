"""Load partnership needs and country aliases. Sources: reference/data/SOURCES.md."""

from django.db import migrations


def load(apps, schema_editor):
    from reference.loaders import load_marketplace_data, read_reference_json

    load_marketplace_data(apps, read_reference_json())


class Migration(migrations.Migration):
    dependencies = [("reference", "0005_marketplace")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
