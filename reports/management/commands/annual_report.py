"""``python manage.py annual_report --year YYYY``: start an annual report revision and wait for its PDF."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from p2c.exceptions import ApplicationError
from reports.models import AnnualReport
from reports.services import annual_report_start


class Command(BaseCommand):
    help = (
        "Start the next revision of the annual report for a year (its data snapshot is frozen at once), "
        "wait until the PDF is rendered, and print the PDF's path as the last line. With no REDIS_URL the "
        "rendering runs in this process; otherwise a Celery worker must be running."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="Report year, e.g. 2025.")
        parser.add_argument(
            "--language", default=settings.LANGUAGE_CODE, help="Report language (default: %(default)s)."
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=960.0,
            help="Seconds to wait for the PDF before giving up (default: %(default)s).",
        )
        parser.add_argument(
            "--poll-interval",
            type=float,
            default=1.0,
            help="Seconds between status checks (default: %(default)s).",
        )

    def handle(self, *args, year, language, timeout, poll_interval, **options):
        if connection.in_atomic_block:
            # The rendering is queued on commit: inside a transaction it would never start while we wait.
            raise CommandError("annual_report must not run inside a database transaction.")
        try:
            report = annual_report_start(year=year, language=language)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        figures = report.figures
        self.stdout.write(
            f"Annual report {report.year} revision {report.revision} ({report.language}) started. "
            f"Pledges published on or before {report.cutoff.isoformat()}: {figures.get('pledges', 0)}."
        )

        deadline = time.monotonic() + max(timeout, 0)
        last_status = None
        while True:
            report.refresh_from_db(fields=["status", "error", "pdf"])
            if report.status != last_status:
                self.stdout.write(f"Status: {report.get_status_display()}")
                last_status = report.status
            if report.status == AnnualReport.Status.READY:
                self.stdout.write(report.pdf.storage.path(report.pdf.name))
                return
            if report.status == AnnualReport.Status.FAILED:
                raise CommandError(f"Rendering annual report {report} failed: {report.error}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CommandError(
                    f"Annual report {report} is still {report.get_status_display().lower()} after "
                    f"{timeout:g} seconds. Is a Celery worker running?"
                )
            time.sleep(min(poll_interval, remaining))
