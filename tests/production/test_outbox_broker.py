"""Nothing lost while Redis is down: a real Redis server (this test's own, stopped and started again) and a real
Celery worker (a thread of this process, ``celery.contrib.testing.worker.start_worker``).

Moderation decisions taken while Redis is down are saved and their mails go out once Redis is back, through
the drain task that Celery beat runs every minute, exactly once, even when the same row is delivered twice.
"""

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail

from organisations.models import Membership
from outbox.models import OutboxMessage
from outbox.tasks import drain_outbox
from p2c.celery_app import app as celery_app
from p2c.outbox import outbox_task_id
from pledges import services
from pledges.models import Pledge

from ..factories import PledgeFactory, UserFactory, member
from .conftest import celery_broker, redis_cache

MAIL_TASK = "pledges.tasks.send_pledge_transition_email"


class FinishedTasks:
    """Task IDs the worker has finished (``task_postrun``), to wait for one."""

    def __init__(self):
        self.ids = set()
        self.lock = threading.Lock()

    def __call__(self, sender=None, task_id=None, **kwargs):
        with self.lock:
            self.ids.add(task_id)

    def wait_for(self, task_id, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if task_id in self.ids:
                    return
            time.sleep(0.05)
        pytest.fail(f"the worker did not run task {task_id} within {seconds} s")


def wait_until(condition, seconds=30, what="condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {seconds} s waiting for: {what}")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_decisions_taken_while_redis_is_down_are_mailed_exactly_once_when_it_is_back(
    redis_server, settings, client
):
    settings.REDIS_URL = redis_server.url
    settings.CACHES = redis_cache(redis_server.url)
    staff = UserFactory(is_staff=True, is_superuser=True)
    submitted = PledgeFactory(status=Pledge.Status.SUBMITTED)
    member(submitted.lead_organisation, Membership.Role.OWNER)
    draft = PledgeFactory()
    member(draft.lead_organisation, Membership.Role.OWNER)

    with celery_broker(redis_server.url):
        redis_server.stop()

        services.pledge_publish(pledge=submitted, by=staff)  # each service commits: on_commit finds no broker
        services.pledge_submit(pledge=draft, by=staff)

        submitted.refresh_from_db()
        draft.refresh_from_db()
        assert (submitted.status, draft.status) == (Pledge.Status.PUBLISHED, Pledge.Status.SUBMITTED)
        messages = list(OutboxMessage.objects.order_by("pk"))
        assert [m.task_name for m in messages] == [MAIL_TASK, MAIL_TASK]
        assert all(m.sent_at is None and "Connection refused" in m.last_error for m in messages)
        assert mail.outbox == []
        assert client.get(submitted.get_absolute_url()).status_code == 200  # pages keep working

        redis_server.start()
        finished = FinishedTasks()
        task_postrun.connect(finished, weak=False)
        try:
            with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
                drain = drain_outbox.apply_async()  # what Celery beat sends every minute
                finished.wait_for(drain.id)
                wait_until(
                    lambda: OutboxMessage.objects.filter(done_at__isnull=False).count() == 2,
                    what="both outbox rows done",
                )
                subjects = " ".join(m.subject for m in mail.outbox)
                assert submitted.public_id in subjects and draft.public_id in subjects
                mailed = len(mail.outbox)  # one per recipient of each decision

                # The same row delivered again (a re-send after a lost acknowledgement): no second mail.
                duplicate = messages[0]
                task_ids_before = set(finished.ids)
                celery_app.tasks[MAIL_TASK].apply_async(
                    args=duplicate.args, task_id=outbox_task_id(duplicate.pk)
                )
                wait_until(lambda: len(finished.ids - task_ids_before) == 1, what="the duplicate delivery")
                drain_again = drain_outbox.apply_async()
                finished.wait_for(drain_again.id)
        finally:
            task_postrun.disconnect(finished)

    assert len(mail.outbox) == mailed
    assert OutboxMessage.objects.filter(send_count=1, done_at__isnull=False).count() == 2
