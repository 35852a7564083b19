"""The transactional outbox: a task queued by a write goes out once the write commits, exactly once.

``enqueue_on_commit(task, *args)`` writes an ``outbox.OutboxMessage`` row in the caller's transaction and, when
that transaction commits, hands the task to the broker and marks the row sent. When the broker (Redis) is down
the row simply stays pending; ``drain_outbox`` (a Celery beat task every minute, and a management command) sends
it once the broker is back. Nothing is lost with the request: the row commits or rolls back with the change.

Exactly once: every send of a row carries a Celery task ID ``outbox-<row id>-<random>``. ``OutboxTask`` (the
base class of every task of the platform, ``p2c.celery_app``) sees that ID and, before running the task, claims
the row with one atomic UPDATE: only a row that is not done and not held by another live run can be claimed.
It marks the row done, again atomically, when the task returns. A second delivery (a re-send after a lost
acknowledgement, a duplicate from two drains) finds the row done or held and does nothing. A redelivery of the
same message (Celery retry, or ``acks_late`` after a worker died) carries the same task ID, so it may take the
row over and finish the work. The one gap left is a crash between the task's effect (a mail handed to SMTP)
and the UPDATE that marks it done: the task then runs again (at least once, never silently lost).

With no broker (no ``REDIS_URL``: tasks run in-process) the same code runs the task right after the commit, as
``transaction.on_commit(lambda: task.delay(...))`` did, and records it in the same table.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass
from functools import partial

from celery import Task
from celery.exceptions import Retry
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger("p2c.outbox")

TASK_ID_PREFIX = "outbox-"
# Publishing when the broker is down must not hold a request for long: one quick retry (a stale pooled
# connection after a Redis restart), then the row waits for drain_outbox.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def _setting(name: str, default):
    return getattr(settings, name, default)


def outbox_task_id(message_id: int) -> str:
    """A fresh Celery task ID for one send of outbox row ``message_id``: ``outbox-<id>-<32 hex digits>``."""
    return f"{TASK_ID_PREFIX}{message_id}-{uuid.uuid4().hex}"


def message_id_from_task_id(task_id: str | None) -> int | None:
    """The outbox row ID carried by a Celery task ID, or None for a task not sent through the outbox."""
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return None
    number = task_id[len(TASK_ID_PREFIX) :].split("-", 1)[0]
    return int(number) if number.isdigit() else None


def _celery_app():
    from p2c.celery_app import app

    return app


def enqueue_on_commit(task, *args, using: str | None = None, **kwargs):
    """Queue Celery ``task`` with ``args``/``kwargs`` when the current transaction commits; never lose it.

    Writes an ``OutboxMessage`` row in the current transaction (so it is rolled back with it) and registers an
    on-commit hook that sends it to the broker. Outside a transaction the row is written and sent at once.

    Args:
        task: a registered Celery task (``@shared_task``), e.g. ``send_pledge_transition_email``.
        args, kwargs: JSON-serialisable arguments (the platform's tasks take primary keys).
        using: the database alias (default ``"default"``).
    Returns: the saved ``OutboxMessage``.
    Raises:
        TypeError: an argument cannot be stored as JSON.
    """
    from outbox.models import OutboxMessage

    using = using or DEFAULT_DB_ALIAS
    json.dumps([args, kwargs])  # fail in the caller, not later in the drain
    message = OutboxMessage.objects.using(using).create(task_name=task.name, args=list(args), kwargs=kwargs)
    transaction.on_commit(partial(send_message, message.pk, using=using), using=using, robust=True)
    return message


def _locked(queryset, using: str):
    if connections[using].features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset.select_for_update()


def _due(now: dt.datetime, resend: bool) -> Q:
    """Rows that may be sent now: never sent; with ``resend``, also those sent long ago and still not done."""
    never_sent = Q(sent_at__isnull=True)
    if not resend:
        return never_sent
    resend_before = now - dt.timedelta(seconds=_setting("P2C_OUTBOX_RESEND_AFTER", 7200))
    stale = Q(sent_at__lt=resend_before) & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    return never_sent | stale


def _task(name: str):
    """The registered Celery task ``name``, importing every app's ``tasks`` module first if needed.

    A process that has not imported the module yet (``manage.py drain_outbox``) would not know the task.
    """
    app = _celery_app()
    if name not in app.tasks:
        app.loader.import_default_modules()  # Celery's autodiscovery of <app>.tasks
    return app.tasks[name]


def _publish(message) -> None:
    task = _task(message.task_name)
    task.apply_async(
        args=message.args,
        kwargs=message.kwargs,
        task_id=outbox_task_id(message.pk),
        retry=True,
        retry_policy=PUBLISH_RETRY_POLICY,
    )


def _record_error(message_id: int, using: str, error: BaseException) -> None:
    from outbox.models import OutboxMessage

    try:
        OutboxMessage.objects.using(using).filter(pk=message_id).update(
            last_error=f"{type(error).__name__}: {error}"[:2000]
        )
    except Exception:  # the database may be what failed
        logger.exception("outbox message %s: could not record the error", message_id)


SENT, NOT_DUE, FAILED = "sent", "not due", "failed"


def send_message(message_id: int, *, using: str = DEFAULT_DB_ALIAS, resend: bool = False) -> str:
    """Hand outbox row ``message_id`` to the broker and mark it sent; log (never raise) a broker failure.

    The row is locked while it is published (``SELECT ... FOR UPDATE SKIP LOCKED`` where the database has it),
    so two senders never publish it at the same moment. With tasks in-process (no broker) the row is marked
    sent and the task runs right away, outside that transaction; its own errors are logged.

    Args:
        message_id: primary key of an ``OutboxMessage``.
        using: database alias.
        resend: also send a row sent long ago that never finished (``P2C_OUTBOX_RESEND_AFTER`` seconds).
    Returns: ``SENT`` when the row was handed over; ``NOT_DUE`` when it was done, not due or held by another
        sender; ``FAILED`` when the broker (or the database) refused it: it stays due for ``drain_outbox``.
    """
    from outbox.models import OutboxMessage

    eager = bool(_celery_app().conf.task_always_eager)
    now = timezone.now()
    try:
        with transaction.atomic(using=using):
            rows = OutboxMessage.objects.using(using).filter(
                _due(now, resend), pk=message_id, done_at__isnull=True, given_up_at__isnull=True
            )
            message = _locked(rows, using).first()
            if message is None:
                return NOT_DUE
            if not eager:
                _publish(message)
            message.sent_at = timezone.now()
            message.send_count += 1
            message.save(update_fields=["sent_at", "send_count"])
    except Exception as exc:  # broker down, unknown task, database error: the row stays due
        logger.warning(
            "outbox message %s: not sent (%s: %s); drain_outbox will send it",
            message_id,
            type(exc).__name__,
            exc,
        )
        _record_error(message_id, using, exc)
        return FAILED
    if eager:
        try:
            _publish(message)
        except Exception as exc:
            logger.exception("outbox message %s (%s) failed in-process", message_id, message.task_name)
            _record_error(message_id, using, exc)
    return SENT


@dataclass
class DrainResult:
    """What one ``outbox_drain`` did: rows handed to the broker, rows given up, and whether it stopped early."""

    sent: int = 0
    given_up: int = 0
    broker_error: bool = False
    purged: int = 0


def outbox_drain(*, limit: int = 500, using: str = DEFAULT_DB_ALIAS) -> DrainResult:
    """Send every due outbox row (oldest first), give up on rows sent too often, purge old done rows.

    A row is due when it was never sent (the broker was down at commit time), or when it was sent more than
    ``P2C_OUTBOX_RESEND_AFTER`` seconds ago (default 7200: longer than the broker's visibility timeout and any
    task's time limit) and is neither done nor held by a live run (the broker lost it). A row sent
    ``P2C_OUTBOX_MAX_SENDS`` times (default 5) is given up and logged as an error, which reaches the admins.
    Done rows older than ``P2C_OUTBOX_KEEP_DONE_DAYS`` days (default 30) are deleted. Stops at the first
    broker failure (the broker is down: the next drain tries again).

    Args:
        limit: at most this many rows per call.
        using: database alias.
    Returns: a ``DrainResult``.
    """
    from outbox.models import OutboxMessage

    result = DrainResult()
    now = timezone.now()
    pending = OutboxMessage.objects.using(using).filter(done_at__isnull=True, given_up_at__isnull=True)
    max_sends = _setting("P2C_OUTBOX_MAX_SENDS", 5)
    worn_out = pending.filter(_due(now, resend=True), send_count__gte=max_sends)
    for message in worn_out[:limit]:
        OutboxMessage.objects.using(using).filter(pk=message.pk).update(given_up_at=now)
        result.given_up += 1
        logger.error(
            "outbox message %s (%s %s) given up after %s sends; last error: %s",
            message.pk,
            message.task_name,
            message.args,
            message.send_count,
            message.last_error or "none",
        )
    due_ids = list(
        pending.filter(_due(now, resend=True), send_count__lt=max_sends)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in due_ids:
        outcome = send_message(message_id, using=using, resend=True)
        if outcome == SENT:
            result.sent += 1
        elif outcome == FAILED:
            result.broker_error = True
            break
    keep = dt.timedelta(days=_setting("P2C_OUTBOX_KEEP_DONE_DAYS", 30))
    result.purged, _ = OutboxMessage.objects.using(using).filter(done_at__lt=now - keep).delete()
    return result


def _lease_seconds(task: Task) -> int:
    limit = task.time_limit or _celery_app().conf.task_time_limit or 3600
    return int(limit) + 60


class OutboxTask(Task):
    """Base class of the platform's Celery tasks: a task sent through the outbox runs at most once per row.

    A task whose ID is not an outbox ID (``outbox-<row>-<random>``) runs as usual. Otherwise the row is claimed
    before the task body runs and marked done after it returns; a delivery that cannot claim the row (done, or
    held by another live run) is skipped and logged. A failed run releases the row and records the error; a
    ``Retry`` keeps it, since the retry carries the same task ID.
    """

    def __call__(self, *args, **kwargs):
        request = self.request_stack.top
        traced = (
            request is not None
            and not request._protected
            and len(self.request_stack) == 1
            and not request.called_directly
        )
        if not traced:  # called as a plain function
            return super().__call__(*args, **kwargs)
        # Run inside Celery's tracer (worker or eager apply): keep its request (id, retries, is_eager), as
        # celery.app.trace's stack protection does for the worker.
        request._protected = 1
        message_id = message_id_from_task_id(request.id)
        if message_id is None:
            return self.run(*args, **kwargs)
        return self._run_claimed(message_id, request.id, args, kwargs)

    def _run_claimed(self, message_id: int, task_id: str, args, kwargs):
        from outbox.models import OutboxMessage

        rows = OutboxMessage.objects.filter(pk=message_id)
        now = timezone.now()
        claimed = (
            rows.filter(done_at__isnull=True)
            .filter(Q(claimed_by="") | Q(claimed_by=task_id) | Q(claimed_until__lt=now))
            .update(claimed_by=task_id, claimed_until=now + dt.timedelta(seconds=_lease_seconds(self)))
        )
        if not claimed:
            logger.info(
                "outbox message %s: delivery %s skipped (already done or running)", message_id, task_id
            )
            return None
        try:
            result = self.run(*args, **kwargs)
        except Retry:
            raise  # the retry carries this task ID and takes the row over
        except BaseException as exc:
            rows.filter(claimed_by=task_id).update(
                claimed_by="", claimed_until=None, last_error=f"{type(exc).__name__}: {exc}"[:2000]
            )
            raise
        rows.filter(claimed_by=task_id).update(done_at=timezone.now(), claimed_until=None, last_error="")
        return result
