"""The annual report rendered by a real Celery worker on the Redis broker (needs REDIS_URL).

The worker runs in a thread of this process (``celery.contrib.testing.worker.start_worker``; pytest-celery's
fixtures need Docker). It sees only committed data, hence the transactional database. The task goes to a queue
of this test's own, so that another test run sharing the Redis database cannot take it.
"""

import threading
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_prerun

from p2c.celery_app import app as celery_app
from reports import rendering
from reports.models import AnnualReport
from reports.rendering import format_count, format_share, format_usd, report_locale
from reports.selectors import headline_figures, pledge_snapshot_rows, report_cutoff
from reports.services import annual_report_start
from tests.factories import OrganisationFactory, published_pledge

from .helpers import pdf_text, utc

TASK = "reports.tasks.render_annual_report"


@pytest.fixture
def broker_worker(settings):
    """A Celery worker thread consuming a fresh queue on ``settings.REDIS_URL``; tasks do not run eagerly."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: this test needs the Redis broker (e.g. redis://127.0.0.1:6379/15)")
    queue = f"p2c-test-reports-{uuid.uuid4().hex}"
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("task_always_eager", "broker_url", "task_routes")}
    conf.update(task_always_eager=False, broker_url=settings.REDIS_URL, task_routes={TASK: {"queue": queue}})
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)  # cached with the old routes
    try:
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=60
        ) as worker:
            yield worker
    finally:
        conf.update(saved)
        celery_app.amqp.flush_routes()
        celery_app.amqp.__dict__.pop("router", None)


def wait_until_done(report: AnnualReport, seconds: float = 120) -> AnnualReport:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in (AnnualReport.Status.READY, AnnualReport.Status.FAILED):
            return report
        time.sleep(0.2)
    pytest.fail(f"the worker did not finish annual report {report} in {seconds} s (status {report.status})")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_renders_the_report_with_the_figures_of_the_database(broker_worker):
    lead, partner = OrganisationFactory.create_batch(2)
    published_pledge(
        lead, countries=("BD",), value="2500000", published_at=utc(2025, 3, 1), partners=[partner]
    )
    published_pledge(countries=("FJ",), value="1000", currency="EUR", published_at=utc(2025, 9, 1))
    published_pledge(countries=("KE",), published_at=utc(2025, 11, 1))
    expected = headline_figures(pledge_snapshot_rows(cutoff=report_cutoff(year=2025)))
    locale = report_locale("en")

    ran_in = []

    def record_thread(sender=None, **kwargs):
        ran_in.append((sender.name, threading.current_thread() is threading.main_thread()))

    task_prerun.connect(record_thread, weak=False)
    try:
        report = annual_report_start(year=2025)  # commits: the task goes to Redis on commit
        report = wait_until_done(report)
    finally:
        task_prerun.disconnect(record_thread)

    assert ran_in == [(TASK, False)]  # run once, by the worker thread, not in-process
    assert report.status == AnnualReport.Status.READY, report.error
    assert report.started_at and report.finished_at
    with report.pdf.open("rb") as f:
        text = " ".join(pdf_text(f.read()).split())
    assert expected["value_usd_total"] == "2501053.00"
    assert format_usd(expected["value_usd_total"], locale) in text
    assert f"Pledges covered {format_count(expected['pledges'], locale)}" in text
    assert f"{format_share(expected['ldc_share'], locale)} of pledges target LDCs" in text
    assert (
        "Pledging entities: lead organisations and confirmed partners "
        f"{format_count(expected['pledging_entities'], locale)}"
    ) in text
    assert {k: v for k, v in report.figures.items() if k != "breakdowns"} == expected


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_retries_a_file_error_and_finishes_the_report(broker_worker, monkeypatch):
    real = rendering.render_annual_report_pdf
    attempts = []

    def flaky(**kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("storage briefly unavailable")
        return real(**kwargs)

    monkeypatch.setattr(rendering, "render_annual_report_pdf", flaky)

    report = wait_until_done(annual_report_start(year=2025))

    assert len(attempts) == 2
    assert report.status == AnnualReport.Status.READY, report.error
    assert report.error == ""
