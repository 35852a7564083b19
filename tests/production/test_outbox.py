"""The transactional outbox with tasks run by Celery in-process (no broker): what is queued, when, and how often.

Tasks run through Celery's own tracer (``apply``), the same code path a worker takes, so the outbox claim and
the done mark are exercised as in production. The broker and worker side is in ``test_outbox_broker.py``.
"""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from organisations.models import Membership
from outbox.models import OutboxMessage
from p2c import outbox
from p2c.celery_app import app as celery_app
from p2c.outbox import enqueue_on_commit, message_id_from_task_id, outbox_task_id
from pledges import services as pledge_services
from pledges.models import Pledge
from reports.services import annual_report_start

from ..factories import PledgeFactory, member

pytestmark = pytest.mark.django_db

RUNS = []


@celery_app.task(name="tests.production.record", bind=True)
def record(self, value):
    """Test task: remembers each run with its Celery task ID and whether Celery ran it in-process."""
    RUNS.append({"value": value, "task_id": self.request.id, "eager": self.request.is_eager})
    return value


@celery_app.task(name="tests.production.explode")
def explode(value):
    raise RuntimeError(f"cannot handle {value}")


@pytest.fixture(autouse=True)
def _no_runs():
    RUNS.clear()
    yield
    RUNS.clear()


def queue_and_commit(django_capture_on_commit_callbacks, task, *args) -> OutboxMessage:
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            message = enqueue_on_commit(task, *args)
            assert RUNS == []  # nothing runs before the commit
    message.refresh_from_db()
    return message


def test_task_runs_once_after_commit_and_its_row_is_done(django_capture_on_commit_callbacks):
    message = queue_and_commit(django_capture_on_commit_callbacks, record, 7)

    assert [run["value"] for run in RUNS] == [7]
    assert message_id_from_task_id(RUNS[0]["task_id"]) == message.pk
    assert RUNS[0]["eager"] is True  # the task keeps Celery's request (in-process, like before the outbox)
    assert message.done_at is not None and message.sent_at is not None
    assert message.send_count == 1 and message.claimed_by == RUNS[0]["task_id"]


def test_rolled_back_transaction_queues_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue_on_commit(record, 1)
            raise RuntimeError("the change failed")

    assert callbacks == [] and RUNS == []
    assert not OutboxMessage.objects.exists()


def test_arguments_that_are_not_json_are_refused_at_once():
    with pytest.raises(TypeError):
        enqueue_on_commit(record, object())
    assert not OutboxMessage.objects.exists()


def test_second_delivery_of_a_done_row_does_not_run_the_task(django_capture_on_commit_callbacks, caplog):
    message = queue_and_commit(django_capture_on_commit_callbacks, record, 1)

    with caplog.at_level(logging.INFO, logger="p2c.outbox"):
        result = record.apply(args=[1], task_id=outbox_task_id(message.pk)).get()

    assert result is None
    assert len(RUNS) == 1
    assert "skipped" in caplog.text


def test_redelivery_of_the_same_message_finishes_a_run_whose_worker_died():
    # A worker took the row and was killed (SIGKILL): the row is held by its task ID, not done. The broker hands
    # the same message (same task ID) to another worker (acks_late, reject_on_worker_lost).
    message = OutboxMessage.objects.create(
        task_name=record.name, args=[5], sent_at=timezone.now(), send_count=1
    )
    dead_run = outbox_task_id(message.pk)
    OutboxMessage.objects.filter(pk=message.pk).update(
        claimed_by=dead_run, claimed_until=timezone.now() + dt.timedelta(hours=1)
    )

    assert record.apply(args=[5], task_id=dead_run).get() == 5

    message.refresh_from_db()
    assert [run["value"] for run in RUNS] == [5]
    assert message.done_at is not None


def test_other_delivery_waits_while_a_live_run_holds_the_row_and_takes_over_after_its_lease():
    message = OutboxMessage.objects.create(
        task_name=record.name, args=[9], sent_at=timezone.now(), send_count=1
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        claimed_by=outbox_task_id(message.pk), claimed_until=timezone.now() + dt.timedelta(minutes=5)
    )

    record.apply(args=[9], task_id=outbox_task_id(message.pk))
    assert RUNS == []

    OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
    record.apply(args=[9], task_id=outbox_task_id(message.pk))
    assert [run["value"] for run in RUNS] == [9]


def test_failed_task_releases_its_row_with_the_error_and_is_logged(
    django_capture_on_commit_callbacks, caplog
):
    with caplog.at_level(logging.ERROR, logger="p2c.outbox"):
        message = queue_and_commit(django_capture_on_commit_callbacks, explode, 3)

    assert message.done_at is None and message.sent_at is not None
    assert message.claimed_by == "" and message.claimed_until is None
    assert message.last_error == "RuntimeError: cannot handle 3"
    assert "failed in-process" in caplog.text


def test_drain_sends_rows_that_never_reached_the_broker_once():
    message = OutboxMessage.objects.create(task_name=record.name, args=[4])  # the broker was down at commit

    call_command("drain_outbox")
    call_command("drain_outbox")

    message.refresh_from_db()
    assert [run["value"] for run in RUNS] == [4]
    assert message.done_at is not None and message.send_count == 1


def test_drain_sends_again_a_row_that_never_finished_and_gives_up_telling_the_admins(
    django_capture_on_commit_callbacks, settings
):
    settings.P2C_OUTBOX_RESEND_AFTER = 0
    settings.P2C_OUTBOX_MAX_SENDS = 2
    settings.ADMINS = [("Operations", "ops@example.org")]
    message = queue_and_commit(django_capture_on_commit_callbacks, explode, 8)

    first = outbox.outbox_drain()  # second send, fails again
    second = outbox.outbox_drain()  # sent twice: given up

    message.refresh_from_db()
    assert (first.sent, second.sent, second.given_up) == (1, 0, 1)
    assert message.send_count == 2 and message.given_up_at is not None and message.done_at is None
    alerts = [m.subject for m in mail.outbox if "ops@example.org" in m.to and "given up" in m.subject]
    assert len(alerts) == 1 and f"outbox message {message.pk}" in alerts[0]


def test_drain_leaves_a_row_alone_while_a_live_run_holds_it(settings):
    settings.P2C_OUTBOX_RESEND_AFTER = 0
    OutboxMessage.objects.create(
        task_name=record.name,
        args=[2],
        sent_at=timezone.now() - dt.timedelta(hours=3),
        send_count=1,
        claimed_by="outbox-1-running",
        claimed_until=timezone.now() + dt.timedelta(minutes=10),
    )

    assert outbox.outbox_drain().sent == 0
    assert RUNS == []


def test_drain_deletes_done_rows_after_the_retention_period(settings):
    settings.P2C_OUTBOX_KEEP_DONE_DAYS = 30
    old = OutboxMessage.objects.create(task_name=record.name, done_at=timezone.now() - dt.timedelta(days=31))
    recent = OutboxMessage.objects.create(
        task_name=record.name, done_at=timezone.now() - dt.timedelta(days=29)
    )

    assert outbox.outbox_drain().purged == 1
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [recent.pk]
    assert old.pk != recent.pk


def test_drain_command_fails_loudly_when_the_broker_is_down(redis_down):
    OutboxMessage.objects.create(task_name=record.name, args=[1])

    with pytest.raises(CommandError, match="Is Redis running"):
        call_command("drain_outbox")

    message = OutboxMessage.objects.get()
    assert message.sent_at is None and "OperationalError" in message.last_error


def test_task_without_an_outbox_id_runs_as_before():
    assert record.apply(args=[6]).get() == 6
    assert record(7) == 7  # called as a plain function
    assert [run["value"] for run in RUNS] == [6, 7]
    assert not OutboxMessage.objects.exists()


def test_moderation_decision_mails_once_through_the_outbox(django_capture_on_commit_callbacks, staff_user):
    pledge = PledgeFactory(status=Pledge.Status.SUBMITTED)
    member(pledge.lead_organisation, Membership.Role.OWNER)

    with django_capture_on_commit_callbacks(execute=True):
        transition = pledge_services.pledge_publish(pledge=pledge, by=staff_user)

    message = OutboxMessage.objects.get()
    assert (message.task_name, message.args) == (
        "pledges.tasks.send_pledge_transition_email",
        [transition.pk],
    )
    assert message.done_at is not None
    assert len(mail.outbox) == 1 and pledge.public_id in mail.outbox[0].subject


def test_annual_report_rendering_is_queued_through_the_outbox(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        report = annual_report_start(year=2025)

    assert len(callbacks) == 1
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.args, message.sent_at) == (
        "reports.tasks.render_annual_report",
        [report.pk],
        None,
    )
