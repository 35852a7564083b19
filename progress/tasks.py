"""Celery tasks of the progress app (thin: take IDs, call a service or send mail).

``send_due_reminders`` runs on Celery beat (``CELERY_BEAT_SCHEDULE`` in ``p2c.settings.base``); the email
tasks are queued by the services through the transactional outbox.
"""

import datetime as dt
import smtplib

from celery import shared_task
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from organisations.models import Membership
from organisations.selectors import PROGRESS_REPORTING_ROLES

from .models import BestPractice, ProgressReport, ReminderSent

MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)
MAIL_TASK = {
    "bind": True,
    "acks_late": True,
    "max_retries": 5,
    "autoretry_for": MAIL_ERRORS,
    "retry_backoff": True,
    "soft_time_limit": 60,
    "time_limit": 90,
}


def _send(name: str, context: dict, recipients: list[str], kind: str | None = None) -> int:
    """Render ``progress/email/<name>_subject.txt`` and ``_body.txt`` in each recipient's language and send
    (``kind``: the kind of non-essential mail, ``secretariat.preferences.KINDS``; None for the Secretariat's
    work mail)."""
    from secretariat.preferences import send_in_recipients_languages  # language, preferences, unsubscribe

    context = {**context, "site_url": settings.SITE_URL, "admin_url": settings.ADMIN_URL}

    def render():
        return (
            render_to_string(f"progress/email/{name}_subject.txt", context),
            render_to_string(f"progress/email/{name}_body.txt", context),
        )

    return send_in_recipients_languages(recipients, render, kind=kind)


def _staff_emails() -> list[str]:
    from accounts.models import User

    return list(
        User.objects.filter(is_staff=True, is_active=True).exclude(email="").values_list("email", flat=True)
    )


@shared_task(bind=True, acks_late=True, ignore_result=True, soft_time_limit=240, time_limit=300)
def send_due_reminders(self, now: str | None = None) -> int:
    """Record and queue every reporting reminder due at ``now`` (``progress.reminders.reminders_send_due``).

    Args:
        now: an ISO 8601 datetime with its offset (tests pass the moment to run for); default: the current time.
    Returns: how many reminders this run queued (0 when another run already sent them).
    """
    from .reminders import reminders_send_due

    moment = parse_datetime(now) if now else timezone.now()
    if moment is None or timezone.is_naive(moment):
        raise ValueError(f"now must be an ISO 8601 datetime with an offset, not {now!r}")
    return reminders_send_due(now=moment.astimezone(dt.UTC))


@shared_task(**MAIL_TASK)
def send_reminder_email(self, reminder_id: int) -> int:
    """Email one reporting reminder to its person; nothing when it was emailed already or the report has been
    filed meanwhile. Returns the number of messages sent (0 or 1)."""
    reminder = (
        ReminderSent.objects.select_related("period", "pledge", "pledge__lead_organisation", "user")
        .filter(pk=reminder_id, emailed_at__isnull=True)
        .first()
    )
    if reminder is None:
        return 0
    filed = ProgressReport.objects.filed().filter(period=reminder.period, pledge=reminder.pledge).exists()
    if filed or not reminder.user.is_active or not reminder.user.email:
        return 0
    overdue = reminder.step.startswith("overdue_")
    sent = _send(
        "reminder",
        {
            "reminder": reminder,
            "period": reminder.period,
            "pledge": reminder.pledge,
            "overdue": overdue,
            "days_left": {"due_14": 14, "due_3": 3}.get(reminder.step),
        },
        [reminder.user.email],
        kind="reminders",
    )
    ReminderSent.objects.filter(pk=reminder.pk).update(emailed_at=timezone.now())
    return sent


def _report(report_id: int) -> ProgressReport | None:
    return (
        ProgressReport.objects.select_related("pledge", "pledge__lead_organisation", "period", "author")
        .filter(pk=report_id)
        .first()
    )


@shared_task(**MAIL_TASK)
def send_report_submitted_email(self, report_id: int) -> int:
    """Tell the P2C Secretariat (active staff) that a progress report waits for its review."""
    report = _report(report_id)
    recipients = _staff_emails()
    if report is None or report.status != ProgressReport.Status.SUBMITTED or not recipients:
        return 0
    return _send("submitted", {"report": report, "pledge": report.pledge}, recipients)


@shared_task(**MAIL_TASK)
def send_report_decision_email(self, report_id: int) -> int:
    """Tell the lead organisation's owners, editors and reporters (and the report's author) that the
    Secretariat published or returned their progress report, with the reason."""
    report = _report(report_id)
    if report is None or report.status not in (
        ProgressReport.Status.PUBLISHED,
        ProgressReport.Status.CHANGES_REQUESTED,
    ):
        return 0
    recipients = list(
        Membership.objects.filter(
            organisation_id=report.pledge.lead_organisation_id,
            role__in=PROGRESS_REPORTING_ROLES,
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if (
        report.author
        and report.author.is_active
        and report.author.email
        and report.author.email not in recipients
    ):
        recipients.append(report.author.email)
    if not recipients:
        return 0
    return _send("decision", {"report": report, "pledge": report.pledge}, recipients, kind="decisions")


@shared_task(**MAIL_TASK)
def send_followers_email(self, report_id: int) -> int:
    """Tell the followers of the report's pledge that new progress was published (one message each)."""
    report = _report(report_id)
    if report is None or report.status != ProgressReport.Status.PUBLISHED:
        return 0
    recipients = list(
        report.pledge.followers.filter(user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not recipients:
        return 0
    return _send("followers", {"report": report, "pledge": report.pledge}, recipients, kind="digests")


@shared_task(**MAIL_TASK)
def send_best_practice_proposed_email(self, best_practice_id: int) -> int:
    """Tell the P2C Secretariat that a best practice was proposed for featuring."""
    practice = BestPractice.objects.select_related("pledge").filter(pk=best_practice_id).first()
    recipients = _staff_emails()
    if practice is None or not recipients:
        return 0
    return _send("best_practice", {"practice": practice, "pledge": practice.pledge}, recipients)
