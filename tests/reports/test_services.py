import csv
import datetime as dt
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
from reports.services import (
    annual_report_release,
    annual_report_render,
    annual_report_start,
    annual_report_withdraw,
)
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


# --- one rendering per revision: the lease -------------------------------------------------------------


def queued_report(django_capture_on_commit_callbacks, **kwargs):
    published_pledge(published_at=IN_2025)
    with django_capture_on_commit_callbacks():
        return annual_report_start(year=2025, **kwargs)


def hold_lease(report, *, seconds: float, token="other-worker", attempts=1):
    AnnualReport.objects.filter(pk=report.pk).update(
        status=AnnualReport.Status.RENDERING,
        lease_token=token,
        lease_expires_at=timezone.now() + dt.timedelta(seconds=seconds),
        attempts=attempts,
        progress="annex chunk 1 of 4",
    )


def test_a_revision_rendering_under_a_live_lease_is_not_rendered_by_a_second_worker(
    django_capture_on_commit_callbacks, monkeypatch
):
    report = queued_report(django_capture_on_commit_callbacks)
    hold_lease(report, seconds=300)
    monkeypatch.setattr(rendering, "render_annual_report_pdf", lambda **kw: pytest.fail("rendered twice"))

    with pytest.raises(services.RenderingBusy) as busy:
        annual_report_render(report_id=report.pk, token="second-worker")

    report.refresh_from_db()
    assert 290 < busy.value.seconds_left <= 300
    assert (report.status, report.lease_token, report.attempts) == ("rendering", "other-worker", 1)


def test_an_abandoned_rendering_is_taken_over_once_its_lease_has_expired(django_capture_on_commit_callbacks):
    report = queued_report(django_capture_on_commit_callbacks)
    hold_lease(report, seconds=-1)  # its worker died a while ago

    rendered = annual_report_render(report_id=report.pk, token="redelivered")

    assert rendered.status == AnnualReport.Status.READY
    assert rendered.attempts == 2
    assert (rendered.lease_token, rendered.lease_expires_at, rendered.progress) == ("", None, "")
    assert read(rendered.pdf).startswith(b"%PDF-")


def test_only_one_of_two_claims_at_the_same_moment_wins(django_capture_on_commit_callbacks):
    report = queued_report(django_capture_on_commit_callbacks)

    first = services._claim(report.pk, "worker-a")
    with pytest.raises(services.RenderingBusy):
        services._claim(report.pk, "worker-b")

    assert first.lease_token == "worker-a"
    assert AnnualReport.objects.get(pk=report.pk).lease_token == "worker-a"


def test_progress_is_recorded_and_renews_the_lease_while_rendering(
    django_capture_on_commit_callbacks, monkeypatch, settings
):
    settings.P2C_REPORT_ANNEX_CHUNK_ROWS = 1
    for month in (2, 3):
        published_pledge(published_at=utc(2025, month, 1))
    report = queued_report(django_capture_on_commit_callbacks)
    seen = []
    real = services._Lease.renew

    def spy(self, progress):
        real(self, progress)
        row = AnnualReport.objects.get(pk=self.report_id)
        seen.append((row.progress, row.lease_expires_at))

    monkeypatch.setattr(services._Lease, "renew", spy)
    annual_report_render(report_id=report.pk)

    steps = [text for text, _expires in seen]
    assert steps == [
        "main document",
        "annex chunk 1 of 3",
        "annex chunk 2 of 3",
        "annex chunk 3 of 3",
        "merging 4 parts",
        "saving the PDF",
    ]
    expiries = [expires for _text, expires in seen]
    assert expiries == sorted(expiries)
    assert expiries[0] > timezone.now() + services.render_lease() - dt.timedelta(minutes=5)


def test_a_worker_whose_lease_was_taken_over_stops_and_keeps_no_pdf(
    django_capture_on_commit_callbacks, monkeypatch, settings
):
    report = queued_report(django_capture_on_commit_callbacks)
    real = rendering.render_annual_report_pdf

    def taken_over_midway(**kwargs):
        pdf = real(**kwargs)
        hold_lease(report, seconds=600, token="the-other-worker", attempts=2)
        return pdf

    monkeypatch.setattr(rendering, "render_annual_report_pdf", taken_over_midway)

    with pytest.raises(services.LeaseLost):
        annual_report_render(report_id=report.pk, token="slow-worker")

    report.refresh_from_db()
    assert (report.status, report.lease_token, report.pdf.name) == ("rendering", "the-other-worker", "")
    assert not [p for p in settings.PRIVATE_MEDIA_ROOT.rglob("*.pdf")]


def test_a_revision_abandoned_too_often_is_recorded_as_failed(
    django_capture_on_commit_callbacks, monkeypatch
):
    report = queued_report(django_capture_on_commit_callbacks)
    hold_lease(report, seconds=-1, attempts=services.MAX_RENDER_ATTEMPTS)
    monkeypatch.setattr(rendering, "render_annual_report_pdf", lambda **kw: pytest.fail("rendered again"))

    annual_report_render(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == AnnualReport.Status.FAILED
    assert report.error == "Rendering was abandoned 5 times (worker lost or hard time limit)."


def test_soft_time_limit_is_recorded_as_a_failure_with_a_clear_error(
    django_capture_on_commit_callbacks, monkeypatch
):
    from celery.exceptions import SoftTimeLimitExceeded

    report = queued_report(django_capture_on_commit_callbacks)

    def too_slow(**kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(rendering, "render_annual_report_pdf", too_slow)
    with pytest.raises(SoftTimeLimitExceeded):
        annual_report_render(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == AnnualReport.Status.FAILED
    assert report.error == "SoftTimeLimitExceeded: rendering took longer than 600 seconds"


def test_lease_outlives_the_hard_time_limit_and_the_visibility_timeout_outlives_the_lease(settings):
    lease = services.render_lease().total_seconds()

    assert lease > render_annual_report.time_limit == services.HARD_TIME_LIMIT
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > lease


def test_system_check_flags_a_visibility_timeout_shorter_than_the_lease(settings):
    from reports.checks import check_visibility_timeout

    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert check_visibility_timeout() == []

    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 900}

    [error] = check_visibility_timeout()
    assert error.id == "reports.E001"


# --- release ----------------------------------------------------------------------------------------------


def test_release_publishes_a_ready_revision_once(django_capture_on_commit_callbacks, staff_user):
    published_pledge(published_at=IN_2025)
    with django_capture_on_commit_callbacks(execute=True):
        report = annual_report_start(year=2025)

    released = annual_report_release(report=report, by=staff_user)
    first_release = released.released_at
    again = annual_report_release(report=report, by=staff_user)

    assert first_release is not None
    assert again.released_at == first_release
    assert again.released_by == staff_user
    assert list(AnnualReport.objects.released()) == [report]


def test_a_revision_without_a_pdf_cannot_be_released(django_capture_on_commit_callbacks, staff_user):
    report = queued_report(django_capture_on_commit_callbacks)

    with pytest.raises(ApplicationError, match="not ready"):
        annual_report_release(report=report, by=staff_user)

    report.refresh_from_db()
    assert report.released_at is None


def test_withdraw_takes_a_revision_out_of_the_archive(django_capture_on_commit_callbacks, staff_user):
    published_pledge(published_at=IN_2025)
    with django_capture_on_commit_callbacks(execute=True):
        report = annual_report_start(year=2025)
    annual_report_release(report=report, by=staff_user)

    annual_report_withdraw(report=report, by=staff_user)

    assert not AnnualReport.objects.released().exists()


def test_snapshot_csv_has_the_regions_pillars_and_latest_progress_of_each_pledge(
    django_capture_on_commit_callbacks,
):
    from reference.models import Pillar

    from .helpers import progress_report

    pledge = published_pledge(countries=("KE", "FJ"), published_at=IN_2025)
    pledge.pillars.set(Pillar.objects.filter(focus_area__slug="access").order_by("order")[:1])
    progress_report(pledge, status="on_track", percent=30, at=utc(2026, 3, 1))
    with django_capture_on_commit_callbacks():
        report = annual_report_start(year=2026)

    [record] = list(csv.DictReader(io.StringIO(read(report.snapshot_csv).decode("utf-8-sig"))))

    assert record["implementation_regions"] == "Africa; Oceania"
    assert record["lead_organisation_region"] == "Africa"  # Malawi
    assert record["pillars"] == Pillar.objects.filter(focus_area__slug="access").order_by("order")[0].name
    assert (record["implementation_status"], record["percent_complete"]) == ("on_track", "30")
