"""Celery tasks of the reports app (thin: take IDs, call a service)."""

from celery import shared_task

from . import services


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=600,
    time_limit=900,
    max_retries=3,
    autoretry_for=(OSError,),
    retry_backoff=True,
)
def render_annual_report(self, report_id: int) -> str | None:
    """Render the PDF of annual report ``report_id`` from its snapshot (``services.annual_report_render``).

    Idempotent: a report that is already ready is left alone. Any error is recorded on the report (status
    failed) and raised. File-system errors (``OSError``) are retried with exponential backoff, at most 3
    times by a worker; while a retry is pending the report shows as queued again, with the error.
    Returns: the report's final status, or None when the report no longer exists.
    """
    # A worker retries file errors later (autoretry_for): meanwhile the report shows as queued. Run eagerly
    # (no broker), there is no later: a file error leaves it failed.
    retry_later = not self.request.is_eager and self.request.retries < self.max_retries
    report = services.annual_report_render(
        report_id=report_id, retry_pending_on=self.autoretry_for if retry_later else ()
    )
    return report.status if report is not None else None
