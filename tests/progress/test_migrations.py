"""Reports posted before the review workflow existed stay public: the migration publishes them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from progress.models import ProgressReport
from tests.factories import published_pledge

BEFORE = [("progress", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_existing_reports_become_published_dated_when_they_were_posted():
    pledge = published_pledge(title="Old pledge")  # the other apps' tables stay as they are
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # also unapplies what depends on the progress app's later migrations
    try:
        executor = MigrationExecutor(connection)
        old_apps = executor.loader.project_state(list(executor.loader.applied_migrations)).apps
        old = old_apps.get_model("progress", "ProgressReport").objects.create(
            pledge_id=pledge.pk,
            implementation_status="on_track",
            percent_complete=30,
            narrative="Posted before.",
        )
        old_apps.get_model("progress", "HistoricalProgressReport").objects.create(
            id=old.pk,
            pledge_id=pledge.pk,
            implementation_status="on_track",
            percent_complete=30,
            narrative="Posted before.",
            created_at=old.created_at,
            history_date=old.created_at,
            history_type="+",
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    report = ProgressReport.objects.get(pk=old.pk)
    assert report.status == ProgressReport.Status.PUBLISHED
    assert report.published_at == report.created_at
    assert report.period_id is None and report.is_final is False
    assert list(report.history.values_list("status", flat=True)) == ["published"]
    assert list(ProgressReport.objects.published()) == [report]
