"""Per-language names of the reference data (English from the base column; the other UN languages from
reference/data/translations.json, sources in reference/data/SOURCES.md)."""

from django.db import migrations


def load(apps, schema_editor):
    from reference.loaders import load_translations

    load_translations(apps)


class Migration(migrations.Migration):
    dependencies = [("reference", "0007_translated_names")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
