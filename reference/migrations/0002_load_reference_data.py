"""Load countries (UNSD M49), dated LDC/LLDC/SIDS membership, focus areas and pillars, pledge types,
stakeholder types, SDGs, currencies and exchange rates. Sources: reference/data/SOURCES.md."""

from django.db import migrations


def load(apps, schema_editor):
    from reference.loaders import load_reference_data

    load_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
