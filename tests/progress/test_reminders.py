"""The reminder schedule (in-process): which step is due when, to whom, and never twice."""

import datetime as dt

import pytest
from django.core import mail

from outbox.models import OutboxMessage
from progress import reminders, services
from progress.models import ReminderSent, ReportingPeriod
from progress.reminders import DueReminder, reminders_due, reminders_send_due, step_due
from progress.tasks import send_reminder_email

from .helpers import content, period, reporting_pledge

OPENS, CLOSES = dt.date(2026, 3, 1), dt.date(2026, 4, 30)


def at(year, month, day, hour=9):
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "today,expected",
    [
        (dt.date(2026, 2, 28), None),
        (OPENS, "opened"),
        (dt.date(2026, 4, 15), "opened"),
        (dt.date(2026, 4, 16), "due_14"),
        (dt.date(2026, 4, 26), "due_14"),
        (dt.date(2026, 4, 27), "due_3"),
        (CLOSES, "due_3"),
        (dt.date(2026, 5, 1), "overdue_1"),
        (dt.date(2026, 5, 7), "overdue_1"),
        (dt.date(2026, 5, 8), "overdue_2"),
        (dt.date(2026, 5, 15), "overdue_3"),
        (CLOSES + dt.timedelta(days=7 * 26), "overdue_26"),
        (CLOSES + dt.timedelta(days=7 * 26 + 1), None),
    ],
)
def test_the_step_due_on_each_day(today, expected):
    assert step_due(period=ReportingPeriod(opens_on=OPENS, closes_on=CLOSES), today=today) == expected


def test_a_short_period_skips_the_steps_before_it_opens():
    short = ReportingPeriod(opens_on=dt.date(2026, 4, 25), closes_on=dt.date(2026, 4, 30))
    assert step_due(period=short, today=dt.date(2026, 4, 25)) == "opened"
    assert step_due(period=short, today=dt.date(2026, 4, 27)) == "due_3"


def test_no_overdue_reminders_once_a_later_period_has_opened():
    window = ReportingPeriod(opens_on=OPENS, closes_on=CLOSES)
    assert step_due(period=window, today=dt.date(2026, 6, 1), later_period_opened=True) is None


pytestmark = pytest.mark.django_db


def test_reminders_go_to_owners_editors_and_reporters_of_pledges_that_owe_a_report():
    period(opens=OPENS, closes=CLOSES)
    pledge, users = reporting_pledge()
    users["editor"].is_active = False
    users["editor"].save()
    reporting_pledge(published_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))  # published after the close
    due = reminders_due(now=at(2026, 3, 1))
    assert {(d.pledge_id, d.user_id, d.step) for d in due} == {
        (pledge.pk, users["owner"].pk, "opened"),
        (pledge.pk, users["reporter"].pk, "opened"),
    }


def test_each_reminder_is_sent_once_however_often_the_beat_runs(django_capture_on_commit_callbacks):
    period(opens=OPENS, closes=CLOSES)
    pledge, users = reporting_pledge()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(now=at(2026, 3, 1, 6)) == 3
        assert reminders_send_due(now=at(2026, 3, 1, 7)) == 0
        assert reminders_send_due(now=at(2026, 3, 20)) == 0
    assert sorted(address for m in mail.outbox for address in m.to) == sorted(
        users[r].email for r in ("owner", "editor", "reporter")
    )
    assert all("Reporting period open" in m.subject and pledge.public_id in m.subject for m in mail.outbox)
    assert ReminderSent.objects.filter(emailed_at__isnull=False).count() == 3
    assert OutboxMessage.objects.filter(task_name="progress.tasks.send_reminder_email").count() == 3


def test_a_filed_report_stops_the_reminders(django_capture_on_commit_callbacks):
    period(opens=OPENS, closes=CLOSES)
    pledge, users = reporting_pledge()
    report = services.progress_report_save(
        pledge=pledge, by=users["reporter"], content=content(), today=dt.date(2026, 3, 2)
    )
    assert len(reminders_due(now=at(2026, 4, 16))) == 3  # a draft is not filed
    services.progress_report_submit(report=report, by=users["reporter"])
    assert reminders_due(now=at(2026, 4, 16)) == []
    assert reminders_due(now=at(2026, 5, 1)) == []


def test_a_row_written_by_another_run_first_is_skipped(monkeypatch):
    window = period(opens=OPENS, closes=CLOSES)
    pledge, users = reporting_pledge()
    item = DueReminder(window.pk, pledge.pk, users["owner"].pk, "opened")
    ReminderSent.objects.create(period=window, pledge=pledge, user=users["owner"], step="opened")
    monkeypatch.setattr(reminders, "reminders_due", lambda now: [item])  # computed before the other run wrote
    assert reminders_send_due(now=at(2026, 3, 1)) == 0
    assert ReminderSent.objects.count() == 1
    assert not OutboxMessage.objects.filter(task_name="progress.tasks.send_reminder_email").exists()


def test_the_email_task_sends_once_and_not_after_the_report_was_filed():
    window = period(opens=OPENS, closes=CLOSES)
    pledge, users = reporting_pledge()
    row = ReminderSent.objects.create(period=window, pledge=pledge, user=users["owner"], step="due_3")
    assert send_reminder_email.run(row.pk) == 1
    assert send_reminder_email.run(row.pk) == 0
    assert len(mail.outbox) == 1 and "3 days left" in mail.outbox[0].subject
    other = ReminderSent.objects.create(
        period=window, pledge=pledge, user=users["reporter"], step="overdue_1"
    )
    report = services.progress_report_save(
        pledge=pledge, by=users["reporter"], content=content(), today=dt.date(2026, 3, 2)
    )
    services.progress_report_submit(report=report, by=users["reporter"])
    assert send_reminder_email.run(other.pk) == 0
    assert len(mail.outbox) == 1


def test_the_reporting_time_zone_decides_the_day(settings):
    settings.P2C_TIME_ZONE = "Pacific/Auckland"
    period(opens=OPENS, closes=CLOSES)
    reporting_pledge()
    # 28 February 12:00 UTC is already 1 March in Auckland.
    assert {d.step for d in reminders_due(now=at(2026, 2, 28, 12))} == {"opened"}
    settings.P2C_TIME_ZONE = "UTC"
    assert reminders_due(now=at(2026, 2, 28, 12)) == []
