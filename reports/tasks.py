"""Celery tasks of the reports app (thin: take IDs, call a service)."""

from celery import shared_task

from . import services


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=services.SOFT_TIME_LIMIT,
    time_limit=services.HARD_TIME_LIMIT,
    max_retries=3,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
)
def render_annual_report(self, report_id: int) -> str | None:
    """Render the PDF of annual report ``report_id`` from its snapshot (``services.annual_report_render``).

    One task per revision, idempotent: a ready report is left alone; a revision another worker is rendering
    (live lease) is not rendered twice: the task comes back when that lease expires, and finds the report
    ready, or takes an abandoned rendering over. Acknowledged late and rejected (so redelivered) when its
    worker is lost; soft and hard time limits (600 s, 900 s); the broker's visibility timeout is longer
    (``reports.checks``). File-system errors (``OSError``) are retried with exponential backoff, at most 3
    times; meanwhile the report shows as queued again, with the error. Any other error is recorded on the
    report (status failed) and raised.

    Returns: the report's final status, or None when the report no longer exists.
    """
    # A worker retries file errors later (autoretry_for): meanwhile the report shows as queued. Run eagerly
    # (no broker), there is no later: a file error leaves it failed.
    retry_later = not self.request.is_eager and self.request.retries < self.max_retries
    try:
        report = services.annual_report_render(
            report_id=report_id,
            retry_pending_on=self.autoretry_for if retry_later else (),
            token=self.request.id,
        )
    except services.RenderingBusy as busy:
        if self.request.is_eager:
            return None
        # Not counted against max_retries: a lease always ends (renewed only while its worker is alive).
        raise self.retry(countdown=busy.seconds_left + 1, max_retries=self.request.retries + 1) from None
    except services.LeaseLost:
        return None
    return report.status if report is not None else None
