"""The reminder schedule of reporting periods, and the service that sends what is due.

Schedule (issue "self-reported progress"): a reminder when the period opens, 14 days and 3 days before it
closes, and once a week while the report is overdue (for at most ``MAX_OVERDUE_WEEKS`` weeks, and only until a
later period opens). It goes to the owners, editors and reporters of the pledge's lead organisation, for every
pledge that owes a report for the period and has not filed one (submitted or published).

Only the latest step that is due is sent: a beat that was down for a while does not send the steps it missed.
Each reminder is one ``ReminderSent`` row, unique per (period, pledge, person, step), written in the same
transaction that queues its email through the transactional outbox: a second run of the beat (a restart, two
beats at once) finds the row and sends nothing, and the outbox hands the email to the worker exactly once.

Every function takes ``now`` (an aware datetime): the beat task passes the time it was asked to run for, so the
schedule can be tested at any date with a real worker (which does not see a test's frozen clock).
"""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q

from organisations.models import Membership
from organisations.selectors import PROGRESS_REPORTING_ROLES
from p2c.outbox import enqueue_on_commit

from . import selectors
from .models import ProgressReport, ReminderSent, ReportingPeriod, reporting_today

logger = logging.getLogger("p2c.progress")

DAYS_BEFORE_CLOSE = ((ReminderSent.Step.DUE_14, 14), (ReminderSent.Step.DUE_3, 3))
MAX_OVERDUE_WEEKS = 26


def overdue_step(week: int) -> str:
    """The step name of the ``week``-th overdue reminder (1 = the day after the period closed)."""
    return f"overdue_{week}"


def step_due(*, period: ReportingPeriod, today: dt.date, later_period_opened: bool = False) -> str | None:
    """The step of ``period``'s schedule due on ``today`` (the latest one whose date has come), or None.

    Steps and their dates: "opened" (``opens_on``), "due_14" (``closes_on`` − 14 days), "due_3" (``closes_on``
    − 3 days), then "overdue_1" (the day after ``closes_on``), "overdue_2" (a week later), ... up to
    ``MAX_OVERDUE_WEEKS``. A step dated before the period opens is skipped (a short period starts with "opened"
    or a later step). No overdue step once ``later_period_opened``.
    """
    if today < period.opens_on:
        return None
    if today > period.closes_on:
        if later_period_opened:
            return None
        week = (today - period.closes_on - dt.timedelta(days=1)).days // 7 + 1
        return overdue_step(week) if week <= MAX_OVERDUE_WEEKS else None
    due = (ReminderSent.Step.OPENED, period.opens_on)
    for step, days in DAYS_BEFORE_CLOSE:
        date = period.closes_on - dt.timedelta(days=days)
        if period.opens_on <= date <= today and date >= due[1]:
            due = (step, date)
    return str(due[0])


@dataclass(frozen=True)
class DueReminder:
    period_id: int
    pledge_id: int
    user_id: int
    step: str


def reminders_due(*, now: dt.datetime) -> list[DueReminder]:
    """Every reminder due at ``now`` that has not been sent yet (one per period, pledge, person and step)."""
    today = reporting_today(now)
    oldest_close = today - dt.timedelta(days=7 * MAX_OVERDUE_WEEKS + 1)
    periods = list(ReportingPeriod.objects.filter(opens_on__lte=today, closes_on__gte=oldest_close))
    due: list[DueReminder] = []
    for period in periods:
        later_opened = any(p.opens_on > period.closes_on and p.opens_on <= today for p in periods)
        step = step_due(period=period, today=today, later_period_opened=later_opened)
        if step is None:
            continue
        filed = ProgressReport.objects.filed().filter(period=period).values("pledge_id")
        pledges = selectors.pledges_owing_report(period=period).exclude(pk__in=filed)
        pledge_rows = list(pledges.values_list("pk", "lead_organisation_id"))
        members: dict[int, list[int]] = defaultdict(list)
        for organisation_id, user_id in (
            Membership.objects.filter(
                organisation_id__in={org for _pk, org in pledge_rows},
                role__in=PROGRESS_REPORTING_ROLES,
                user__is_active=True,
            )
            .exclude(Q(user__email="") | Q(user__email__isnull=True))
            .values_list("organisation_id", "user_id")
        ):
            members[organisation_id].append(user_id)
        sent = set(ReminderSent.objects.filter(period=period, step=step).values_list("pledge_id", "user_id"))
        for pledge_id, organisation_id in pledge_rows:
            for user_id in members[organisation_id]:
                if (pledge_id, user_id) not in sent:
                    due.append(DueReminder(period.pk, pledge_id, user_id, step))
    return sorted(due, key=lambda r: (r.period_id, r.pledge_id, r.user_id))


def reminders_send_due(*, now: dt.datetime) -> int:
    """Record and queue every reminder due at ``now``; returns how many were queued by this call.

    Each reminder is its own transaction: the ``ReminderSent`` row and the outbox message of its email commit
    together, or neither does. A row that another run wrote first (the unique constraint) is skipped.
    """
    from .tasks import send_reminder_email

    queued = 0
    for item in reminders_due(now=now):
        try:
            with transaction.atomic():
                row = ReminderSent.objects.create(
                    period_id=item.period_id,
                    pledge_id=item.pledge_id,
                    user_id=item.user_id,
                    step=item.step,
                    created_at=now,
                )
                enqueue_on_commit(send_reminder_email, row.pk)
        except IntegrityError:
            logger.info("reminder %s already recorded by another run; not sent again", item)
            continue
        queued += 1
    return queued
