"""Load beneficiary groups, 2030 connectivity targets and campaigns. Sources: reference/data/SOURCES.md."""

from django.db import migrations


def load(apps, schema_editor):
    from reference.loaders import load_pledge_tags, read_reference_json

    load_pledge_tags(apps, read_reference_json())


class Migration(migrations.Migration):
    dependencies = [("reference", "0003_pledge_tags")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
