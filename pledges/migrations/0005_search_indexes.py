"""Trigram indexes for the folded search columns on PostgreSQL (pg_trgm); nothing on other databases."""

from django.db import migrations

COLUMNS = ("search_title", "search_summary", "search_organisations", "search_body")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS pledges_pledge_{column}_trgm "
            f"ON pledges_pledge USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS pledges_pledge_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("pledges", "0004_marketplace")]
    operations = [migrations.RunPython(create, drop)]
