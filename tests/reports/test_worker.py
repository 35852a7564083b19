"""The annual report rendered by a real Celery worker on the Redis broker (needs REDIS_URL).

The worker runs in a thread of this process (``celery.contrib.testing.worker.start_worker``; pytest-celery's
fixtures need Docker), or, for the test that kills a worker in the middle of a rendering, in processes of its
own (``worker_process.py``) on the same PostgreSQL test database. Workers see only committed data, hence the
transactional database. The task goes to a queue of the test's own, so that another test run sharing the
Redis database cannot take it.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_prerun
from django.db import connection
from django.utils import timezone

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
    assert {k: report.figures[k] for k in expected} == expected


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


# --- a worker lost in the middle of a rendering ------------------------------------------------------------


def _child_environment(settings, tmp_path) -> dict:
    """Environment of a worker process using this test's database, broker and file folders."""
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip(
            "a worker in another process needs a shared database server (set DATABASE_URL to PostgreSQL)"
        )
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    url = f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "p2c.settings.test",
        "P2C_PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("P2C_REPORT_LEASE_SECONDS", None)
    return env


def _start_worker(env, queue: str, name: str, log_path) -> subprocess.Popen:
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reports.worker_process", "--queue", queue, "--name", name],
        cwd=settings_module_root(),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: killed as a whole
    )


def settings_module_root() -> str:
    from django.conf import settings

    return str(settings.BASE_DIR)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def _wait_for(predicate, seconds: float, what: str, logs=()):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    details = "\n".join(Path(p).read_text(errors="replace")[-3000:] for p in logs if Path(p).exists())
    pytest.fail(f"{what} did not happen within {seconds} s\n{details}")


@pytest.fixture
def worker_queue(settings):
    """A queue of this test's own on ``settings.REDIS_URL``; the test process sends the task there."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: this test needs the Redis broker (e.g. redis://127.0.0.1:6379/15)")
    queue = f"p2c-test-reports-{uuid.uuid4().hex}"
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("task_always_eager", "broker_url", "task_routes")}
    conf.update(task_always_eager=False, broker_url=settings.REDIS_URL, task_routes={TASK: {"queue": queue}})
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)
    try:
        yield queue
    finally:
        conf.update(saved)
        celery_app.amqp.flush_routes()
        celery_app.amqp.__dict__.pop("router", None)
        import redis

        redis.Redis.from_url(settings.REDIS_URL).delete(queue)


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_report_killed_mid_rendering_is_completed_once_by_another_worker(settings, tmp_path, worker_queue):
    import redis

    for n in range(1, 41):
        published_pledge(
            title=f"Pledge {n} of the killed rendering", published_at=utc(2025, 1 + n % 12, 1 + n % 27)
        )
    env = _child_environment(settings, tmp_path)
    first = _start_worker(env, worker_queue, "doomed", tmp_path / "doomed.log")
    second = None
    try:
        report = annual_report_start(year=2025)  # commits: the task goes to the queue

        _wait_for(
            lambda: AnnualReport.objects.filter(pk=report.pk, status=AnnualReport.Status.RENDERING).exists(),
            90,
            "the first worker starting the rendering",
            logs=[tmp_path / "doomed.log"],
        )
        os.killpg(first.pid, signal.SIGKILL)  # the whole worker, in the middle of the rendering
        first.wait(timeout=10)
        killed_at = time.monotonic()
        report.refresh_from_db()
        assert report.status == AnnualReport.Status.RENDERING  # killed mid-way: nothing finished it
        assert (report.attempts, report.pdf.name) == (1, "")

        # The message stays unacknowledged in Redis; once the visibility timeout (2 s) and the lease (2 s) have
        # passed, the next worker gets it again and takes the abandoned rendering over.
        time.sleep(max(0.0, 2.5 - (time.monotonic() - killed_at)))
        second = _start_worker(env, worker_queue, "rescuer", tmp_path / "rescuer.log")
        _wait_for(
            lambda: AnnualReport.objects.filter(pk=report.pk, status=AnnualReport.Status.READY).exists(),
            120,
            "the second worker finishing the report",
            logs=[tmp_path / "doomed.log", tmp_path / "rescuer.log"],
        )
        report.refresh_from_db()
        finished_at = report.finished_at
        time.sleep(3)  # long enough for a duplicate delivery to show
        report.refresh_from_db()
    finally:
        _stop(first)
        if second is not None:
            _stop(second)

    assert report.status == AnnualReport.Status.READY, report.error
    assert report.attempts == 2  # the killed one and the one that finished
    assert report.finished_at == finished_at  # not rendered again afterwards
    pdfs = list(settings.PRIVATE_MEDIA_ROOT.rglob("*.pdf"))
    assert [p.name for p in pdfs] == ["p2c-annual-report-2025-en-r1.pdf"]
    text = pdf_text(pdfs[0].read_bytes())
    assert "Pledge 40 of the killed rendering" in " ".join(text.split())
    broker = redis.Redis.from_url(settings.REDIS_URL)
    assert broker.llen(worker_queue) == 0
    assert not [
        v for v in broker.hvals("unacked") if str(report.pk).encode() in v and worker_queue.encode() in v
    ]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_waits_for_a_live_lease_then_takes_the_abandoned_rendering_over(
    broker_worker, monkeypatch
):
    published_pledge(published_at=utc(2025, 5, 5))
    renders = []
    real = rendering.render_annual_report_pdf

    def counted(**kwargs):
        renders.append(time.monotonic())
        return real(**kwargs)

    monkeypatch.setattr(rendering, "render_annual_report_pdf", counted)
    report = annual_report_start(year=2025)
    # Before the worker gets the task, another worker "holds" the rendering for 3 more seconds.
    AnnualReport.objects.filter(pk=report.pk).update(
        status=AnnualReport.Status.RENDERING,
        lease_token="another-worker",
        lease_expires_at=timezone.now() + dt.timedelta(seconds=3),
        attempts=1,
    )
    held_until = time.monotonic() + 3

    report = wait_until_done(report, seconds=90)

    assert report.status == AnnualReport.Status.READY, report.error
    assert len(renders) == 1  # not rendered while the other worker's lease was live
    assert renders[0] >= held_until - 0.2
    assert report.attempts == 2
