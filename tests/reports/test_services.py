import csv
import io
import json

import pytest
from celery.exceptions import Retry
from django.db.models import QuerySet
from django.utils import timezone

from p2c.exceptions import ApplicationError
from reports import rendering, services
from reports.models import AnnualReport
from reports.selectors import report_cutoff
from reports.services import annual_report_render, annual_report_start
from reports.tasks import render_annual_report
from tests.factories import OrganisationFactory, published_pledge

from .helpers import pdf_text, utc

pytestmark = pytest.mark.django_db

IN_2025 = utc(2025, 6, 1, 12, 0)


def read(field) -> bytes:
    with field.open("rb") as f:
        return f.read()


def test_start_freezes_snapshot_and_figures_and_queues_rendering(
    django_capture_on_commit_callbacks, staff_user
):
    pledge = published_pledge(value="250", published_at=IN_2025)

    with django_capture_on_commit_callbacks() as callbacks:
        report = annual_report_start(year=2025, by=staff_user)

    assert len(callbacks) == 1
    assert report.status == AnnualReport.Status.QUEUED
    assert (report.year, report.revision, report.language) == (2025, 1, "en")
    assert report.cutoff == report_cutoff(year=2025)
    assert report.requested_by == staff_user
    assert report.figures["pledges"] == 1
    assert report.figures["value_usd_total"] == "250.00"
    assert report.figures["breakdowns"]["pledge_types"][0]["slug"] == "financial"
    snapshot = json.loads(read(report.snapshot_json))
    assert snapshot["year"] == 2025
    assert snapshot["cutoff"] == report_cutoff(year=2025).isoformat()
    assert snapshot["generated_at"]
    assert [r["public_id"] for r in snapshot["rows"]] == [pledge.public_id]
    lines = read(report.snapshot_csv).decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith(pledge.public_id + ",")


def test_revisions_of_a_year_are_numbered_1_2_3(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        first = annual_report_start(year=2025)
        second = annual_report_start(year=2025)
        other_year = annual_report_start(year=2024)

    assert (first.revision, second.revision, other_year.revision) == (1, 2, 1)
    assert first.snapshot_json.name != second.snapshot_json.name


def test_revision_number_taken_concurrently_is_retried(django_capture_on_commit_callbacks, monkeypatch):
    with django_capture_on_commit_callbacks():
        annual_report_start(year=2025)
    real_aggregate = QuerySet.aggregate
    stale_reads = []

    def stale_once(self, *args, **kwargs):
        result = real_aggregate(self, *args, **kwargs)
        if self.model is AnnualReport and not stale_reads:
            stale_reads.append(result)
            return {"m": None}  # as if r1 were committed by another request just after this read
        return result

    monkeypatch.setattr(QuerySet, "aggregate", stale_once)
    with django_capture_on_commit_callbacks():
        report = annual_report_start(year=2025)

    assert stale_reads
    assert report.revision == 2
    assert AnnualReport.objects.filter(year=2025).count() == 2


@pytest.mark.parametrize("year", [2014, 1900, "next+2"])
def test_year_outside_2015_to_next_year_is_refused(year):
    if year == "next+2":
        year = timezone.now().year + 2

    with pytest.raises(ApplicationError, match="between 2015 and"):
        annual_report_start(year=year)

    assert not AnnualReport.objects.exists()


def test_next_year_is_allowed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        report = annual_report_start(year=timezone.now().year + 1)

    assert report.revision == 1


def test_unknown_language_is_refused():
    with pytest.raises(ApplicationError):
        annual_report_start(year=2025, language="xx")


def test_snapshot_csv_cells_cannot_become_spreadsheet_formulas(django_capture_on_commit_callbacks):
    organisation = OrganisationFactory(name="@SUM(A1:A9)")
    published_pledge(organisation, title='=HYPERLINK("http://evil.example","click")', published_at=IN_2025)
    published_pledge(title="+1 more", published_at=utc(2025, 7, 1))
    published_pledge(title="-2+3", published_at=utc(2025, 8, 1))
    published_pledge(title="\tTabbed", published_at=utc(2025, 9, 1))
    published_pledge(title="Plain", published_at=utc(2025, 10, 1))

    with django_capture_on_commit_callbacks():
        report = annual_report_start(year=2025)

    text = read(report.snapshot_csv).decode("utf-8-sig")
    records = list(csv.DictReader(io.StringIO(text)))
    titles = [r["title"] for r in records]
    assert titles == [
        '\'=HYPERLINK("http://evil.example","click")',
        "'+1 more",
        "'-2+3",
        "'\tTabbed",
        "Plain",
    ]
    assert records[0]["lead_organisation"] == "'@SUM(A1:A9)"


def test_render_stores_the_pdf_and_marks_the_report_ready(django_capture_on_commit_callbacks):
    published_pledge(published_at=IN_2025)
    with django_capture_on_commit_callbacks():
        report = annual_report_start(year=2025)

    rendered = annual_report_render(report_id=report.pk)

    assert rendered.status == AnnualReport.Status.READY
    assert rendered.started_at is not None
    assert rendered.finished_at >= rendered.started_at
    assert rendered.error == ""
    assert rendered.pdf.name.endswith(".pdf")
    assert read(rendered.pdf).startswith(b"%PDF-")


def test_on_commit_runs_the_task_in_process_without_a_broker(django_capture_on_commit_callbacks):
    published_pledge(published_at=IN_2025)

    with django_capture_on_commit_callbacks(execute=True):
        report = annual_report_start(year=2025)

    report.refresh_from_db()
    assert report.status == AnnualReport.Status.READY


def test_ready_report_is_not_rendered_again(django_capture_on_commit_callbacks, monkeypatch):
    with django_capture_on_commit_callbacks(execute=True):
        report = annual_report_start(year=2025)
    report.refresh_from_db()
    assert report.status == AnnualReport.Status.READY
    finished, pdf_name = report.finished_at, report.pdf.name

    def must_not_render(**kwargs):
        raise AssertionError("a ready report was rendered again")

    monkeypatch.setattr(rendering, "render_annual_report_pdf", must_not_render)
    again = annual_report_render(report_id=report.pk)
    render_annual_report.apply(args=[report.pk]).get()

    report.refresh_from_db()
    assert again.status == report.status == AnnualReport.Status.READY
    assert (report.finished_at, report.pdf.name) == (finished, pdf_name)


def test_failing_render_records_failed_with_the_error_and_raises(
    django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks():
        report = annual_report_start(year=2025)

    def broken(**kwargs):
        raise RuntimeError("no fonts on this machine")

    monkeypatch.setattr(rendering, "render_annual_report_pdf", broken)
    with pytest.raises(RuntimeError):
        annual_report_render(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == AnnualReport.Status.FAILED
    assert report.error == "RuntimeError: no fonts on this machine"
    assert report.finished_at is not None
    assert not report.pdf


def test_failed_report_can_be_rendered_again(django_capture_on_commit_callbacks, monkeypatch):
    with django_capture_on_commit_callbacks():
        report = annual_report_start(year=2025)
    real = rendering.render_annual_report_pdf
    monkeypatch.setattr(rendering, "render_annual_report_pdf", lambda **kw: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        annual_report_render(report_id=report.pk)
    monkeypatch.setattr(rendering, "render_annual_report_pdf", real)

    rendered = annual_report_render(report_id=report.pk)

    assert rendered.status == AnnualReport.Status.READY
    assert rendered.error == ""


def test_failure_in_the_queued_task_is_recorded_not_raised_to_the_requester(
    django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(rendering, "render_annual_report_pdf", lambda **kw: 1 / 0)

    with django_capture_on_commit_callbacks(execute=True):
        report = annual_report_start(year=2025)

    report.refresh_from_db()
    assert report.status == AnnualReport.Status.FAILED
    assert "ZeroDivisionError" in report.error


def test_render_of_a_missing_report_does_nothing():
    assert annual_report_render(report_id=987654) is None


def test_pdf_is_rendered_from_the_snapshot_not_the_live_database(django_capture_on_commit_callbacks):
    published_pledge(title="Frozen in the snapshot", value="100", published_at=IN_2025)
    with django_capture_on_commit_callbacks():
        report = annual_report_start(year=2025)
    late = published_pledge(title="Published after the snapshot", value="900", published_at=utc(2025, 7, 1))

    report = annual_report_render(report_id=report.pk)

    text = pdf_text(read(report.pdf))
    assert "Frozen in the snapshot" in text
    assert late.public_id not in text
    assert report.figures["pledges"] == 1
    assert report.figures["value_usd_total"] == "100.00"


def test_snapshot_files_are_removed_when_start_fails_after_writing_them(
    django_capture_on_commit_callbacks, monkeypatch, settings
):
    def broken(rows):
        raise OSError("disk full")

    monkeypatch.setattr(services, "snapshot_csv_bytes", broken)
    with pytest.raises(OSError), django_capture_on_commit_callbacks():
        annual_report_start(year=2025)

    private = settings.PRIVATE_MEDIA_ROOT
    assert not [p for p in private.rglob("*") if p.is_file()]


def test_file_error_in_process_without_broker_is_recorded_as_failed(
    django_capture_on_commit_callbacks, monkeypatch
):
    calls = []

    def disk_trouble(**kwargs):
        calls.append(1)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rendering, "render_annual_report_pdf", disk_trouble)
    with django_capture_on_commit_callbacks(execute=True):
        report = annual_report_start(year=2025)

    report.refresh_from_db()
    assert calls == [1]  # CELERY_TASK_EAGER_PROPAGATES: no in-process retry
    assert report.status == AnnualReport.Status.FAILED
    assert report.error == "OSError: [Errno 28] No space left on device"


def test_task_is_acknowledged_late_time_limited_and_retries_file_errors():
    task = render_annual_report

    assert (task.acks_late, task.reject_on_worker_lost) == (True, True)
    assert (task.soft_time_limit, task.time_limit) == (600, 900)
    assert (task.autoretry_for, task.max_retries, task.retry_backoff) == ((OSError,), 3, True)


def test_worker_shows_the_report_queued_while_a_retry_is_pending(
    django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks():
        report = annual_report_start(year=2025)
    monkeypatch.setattr(rendering, "render_annual_report_pdf", lambda **kw: open("/nonexistent/fonts.conf"))

    def retry_later(*args, **kwargs):  # what a worker does: schedule the retry, raise Retry
        raise Retry("retry in 1 s")

    monkeypatch.setattr(render_annual_report, "retry", retry_later)
    with pytest.raises(Retry):
        render_annual_report(report.pk)  # called as a worker does, not eagerly

    report.refresh_from_db()
    assert report.status == AnnualReport.Status.QUEUED
    assert report.error.startswith("Retrying after FileNotFoundError: [Errno 2] No such file or directory")
    assert report.finished_at is None


def test_last_retry_of_a_file_error_leaves_the_report_failed(django_capture_on_commit_callbacks, monkeypatch):
    with django_capture_on_commit_callbacks():
        report = annual_report_start(year=2025)
    monkeypatch.setattr(rendering, "render_annual_report_pdf", lambda **kw: open("/nonexistent/fonts.conf"))

    with pytest.raises(FileNotFoundError):
        annual_report_render(report_id=report.pk, retry_pending_on=())

    report.refresh_from_db()
    assert report.status == AnnualReport.Status.FAILED
