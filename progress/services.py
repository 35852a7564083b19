"""Writes to progress reports."""

from django.db import transaction
from django.utils.translation import gettext as _

from p2c.exceptions import ApplicationError
from pledges.models import Pledge

from .models import ProgressReport


@transaction.atomic
def progress_report_create(
    *, pledge: Pledge, by, implementation_status: str, percent_complete: int, narrative: str
) -> ProgressReport:
    """Post a progress report on a published pledge; it shows on the pledge's page at once.

    Args:
        pledge: a published pledge.
        by: a member (owner, editor or reporter) of the pledging organisation.
        implementation_status: one of ``ProgressReport.ImplementationStatus``.
        percent_complete: 0–100.
        narrative: what was done in the period.
    Raises:
        ApplicationError: the pledge is not published.
    """
    if pledge.status != Pledge.Status.PUBLISHED:
        raise ApplicationError(_("Progress can be reported only on a published pledge."))
    report = ProgressReport(
        pledge=pledge,
        author=by,
        implementation_status=implementation_status,
        percent_complete=percent_complete,
        narrative=narrative,
    )
    report.full_clean()
    report.save()
    return report
