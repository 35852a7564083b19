"""Celery tasks of the secretariat app (thin: take IDs, call a service).

``check_registry_import`` / ``run_registry_import``: the dry run and the import of an uploaded registry file.
``send_announcement``: email an announcement to its recipients (each once, even when the task runs twice).
``apply_retention``: the retention rule, daily on Celery beat (``CELERY_BEAT_SCHEDULE``).
"""

import datetime as dt
import smtplib

from celery import shared_task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


def _moment(now: str | None) -> dt.datetime:
    moment = parse_datetime(now) if now else timezone.now()
    if moment is None or timezone.is_naive(moment):
        raise ValueError(f"now must be an ISO 8601 datetime with an offset, not {now!r}")
    return moment


@shared_task(bind=True, acks_late=True, ignore_result=True, soft_time_limit=600, time_limit=660)
def check_registry_import(self, registry_import_id: int) -> str:
    """The dry run of registry import ``registry_import_id``; returns its status afterwards."""
    from .models import RegistryImport
    from .registry.services import registry_import_check

    record = RegistryImport.objects.filter(pk=registry_import_id).first()
    if record is None:
        return "missing"
    return registry_import_check(registry_import=record).status


@shared_task(bind=True, acks_late=True, ignore_result=True, soft_time_limit=1200, time_limit=1260)
def run_registry_import(self, registry_import_id: int) -> str:
    """The import of registry import ``registry_import_id`` (one transaction); returns its status afterwards."""
    from .models import RegistryImport
    from .registry.services import registry_import_run

    record = RegistryImport.objects.filter(pk=registry_import_id).first()
    if record is None:
        return "missing"
    return registry_import_run(registry_import=record).status


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=5,
    autoretry_for=MAIL_ERRORS,
    retry_backoff=True,
    soft_time_limit=1800,
    time_limit=1860,
)
def send_announcement(self, announcement_id: int) -> int:
    """Email announcement ``announcement_id`` to everyone it has not reached yet; returns the emails sent."""
    from .announcements import announcement_deliver

    return announcement_deliver(announcement_id=announcement_id)


@shared_task(bind=True, acks_late=True, ignore_result=True, soft_time_limit=600, time_limit=660)
def apply_retention(self, now: str | None = None) -> dict:
    """Apply the retention rule at ``now`` (ISO 8601 with offset; default the current time)."""
    from dataclasses import asdict

    from .retention import retention_apply

    return asdict(retention_apply(now=_moment(now)))
