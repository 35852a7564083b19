"""Celery tasks of the outbox: the periodic drain (Celery beat, every minute: ``CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task

from p2c.outbox import outbox_drain


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=300)
def drain_outbox() -> dict:
    """Send the outbox rows that are still due (``p2c.outbox.outbox_drain``).

    Returns: ``{"sent": n, "given_up": n, "broker_error": bool, "purged": n}``.
    """
    result = outbox_drain()
    return {
        "sent": result.sent,
        "given_up": result.given_up,
        "broker_error": result.broker_error,
        "purged": result.purged,
    }
