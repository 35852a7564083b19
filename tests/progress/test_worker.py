"""The reminder schedule run by a real Celery worker on the Redis broker, at frozen moments (needs REDIS_URL).

The worker runs in a thread of this process (``celery.contrib.testing.worker.start_worker``); it sees only
committed data (transactional database) and not a frozen clock, so the beat task is given the moment to run for
(``now``), as Celery beat would call it with the current time. The tasks go to a queue of this test's own.
"""

import datetime as dt
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from p2c.celery_app import app as celery_app
from progress import services
from progress.models import ReminderSent
from progress.tasks import send_due_reminders

from .helpers import content, period, reporting_pledge

ROUTED = ("progress.tasks.send_due_reminders", "progress.tasks.send_reminder_email")


@pytest.fixture
def worker_queue(settings):
    """Celery configured for the Redis broker with this test's own queue; yields a function that starts a
    worker on it (a context manager), so that a test can stop a worker and start another."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: this test needs the Redis broker (e.g. redis://127.0.0.1:6379/15)")
    queue = f"p2c-test-progress-{uuid.uuid4().hex}"
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("task_always_eager", "broker_url", "task_routes")}
    conf.update(
        task_always_eager=False,
        broker_url=settings.REDIS_URL,
        task_routes={name: {"queue": queue} for name in ROUTED},
    )
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)

    def worker():
        return start_worker(
            celery_app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=60
        )

    try:
        yield worker
    finally:
        conf.update(saved)
        celery_app.amqp.flush_routes()
        celery_app.amqp.__dict__.pop("router", None)


def at(month, day, hour=9):
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC).isoformat()


def tick(now: str):
    """What Celery beat does every hour, for the moment ``now``."""
    send_due_reminders.apply_async(kwargs={"now": now})


def wait_for(expected_rows: int, seconds: float = 60) -> None:
    """Wait until ``expected_rows`` reminders are recorded and emailed, then a moment more for any extra."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows = ReminderSent.objects.count()
        emailed = ReminderSent.objects.filter(emailed_at__isnull=False).count()
        if rows == emailed == expected_rows and len(mail.outbox) >= expected_rows:
            time.sleep(1.0)  # anything duplicated would arrive now
            return
        time.sleep(0.2)
    pytest.fail(
        f"expected {expected_rows} reminders emailed; have {ReminderSent.objects.count()} rows, {len(mail.outbox)} mails"
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_reminder_schedule_with_a_real_worker_and_frozen_time(worker_queue):
    period(opens=dt.date(2026, 3, 1), closes=dt.date(2026, 4, 30))
    late, late_users = reporting_pledge()
    diligent, diligent_users = reporting_pledge()
    people = {u.email for u in (*late_users.values(), *diligent_users.values())}
    reporters = {r: {late_users[r].email, diligent_users[r].email} for r in late_users}

    with worker_queue():
        tick(at(2, 28))  # the day before the period opens: nothing
        tick(at(3, 1, 8))  # opens: owners, editors and reporters of both pledges
        wait_for(6)
        assert {m.to[0] for m in mail.outbox} == people - reporters["viewer"]
        assert all("Reporting period open" in m.subject for m in mail.outbox)

        tick(at(3, 1, 9))  # the next hourly beat: nothing new
        tick(at(3, 1, 9))  # the same tick delivered twice
        tick(at(4, 16))  # 14 days before the close
        wait_for(12)
        assert sum("14 days left" in m.subject for m in mail.outbox) == 6

        # One pledge files its report; the other gets the rest of the schedule.
        report = services.progress_report_save(
            pledge=diligent, by=diligent_users["reporter"], content=content(), today=dt.date(2026, 4, 20)
        )
        services.progress_report_submit(report=report, by=diligent_users["reporter"])

        tick(at(4, 27))  # 3 days before the close
        wait_for(15)

    # The worker stops (a restart); the beat sends the same moment again, then the next ones.
    with worker_queue():
        tick(at(4, 27, 10))
        tick(at(5, 1))  # overdue, week 1
        tick(at(5, 5))  # still week 1: nothing
        tick(at(5, 8))  # overdue, week 2
        wait_for(21)

    late_people = {late_users[r].email for r in ("owner", "editor", "reporter")}
    by_step = {}
    for row in ReminderSent.objects.select_related("user"):
        by_step.setdefault(row.step, set()).add((row.pledge_id, row.user.email))
    assert {step: len(rows) for step, rows in by_step.items()} == {
        "opened": 6,
        "due_14": 6,
        "due_3": 3,
        "overdue_1": 3,
        "overdue_2": 3,
    }
    for step in ("due_3", "overdue_1", "overdue_2"):
        assert by_step[step] == {(late.pk, email) for email in late_people}
    assert len(mail.outbox) == 21  # one email per person, pledge and step: nothing twice
    assert sum("overdue" in m.subject for m in mail.outbox) == 6
    assert sorted(m.to[0] for m in mail.outbox if "3 days left" in m.subject) == sorted(late_people)
