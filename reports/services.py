"""Every write to annual reports: starting a revision (freezing its snapshot), rendering its PDF, releasing it.

``annual_report_start`` freezes the data at once (a JSON and a CSV snapshot of the pledges published before
the cut-off, the foreword, and the figures) and queues the rendering with ``transaction.on_commit``;
``annual_report_render`` (called by the Celery task ``reports.tasks.render_annual_report``) renders the PDF
from the stored JSON snapshot, never from the live database, so a revision's PDF always matches its snapshot;
``annual_report_release`` publishes a ready revision in the public archive.

Rendering is claimed with a lease (a conditional UPDATE on status and lease), so one revision is rendered by
one worker at a time, and a rendering whose worker died is taken over once its lease has expired.
"""

import csv
import datetime as dt
import io
import json
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from pypdf import PdfReader

from p2c.exceptions import ApplicationError

from . import rendering, selectors
from .models import AnnualReport, AnnualReportForeword

logger = logging.getLogger(__name__)

FIRST_YEAR = 2015
# Celery time limits of the rendering task (seconds); the lease outlives the hard limit (``render_lease``).
SOFT_TIME_LIMIT = 600
HARD_TIME_LIMIT = 900
# Renderings started for one revision before an abandoned one is recorded as failed instead of retaken.
MAX_RENDER_ATTEMPTS = 5
# Characters that make a spreadsheet read a cell as a formula (CSV/formula injection, OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SNAPSHOT_CSV_COLUMNS = [
    "public_id",
    "title",
    "lead_organisation",
    "lead_organisation_slug",
    "stakeholder_type",
    "lead_organisation_country",
    "partners",
    "focus_areas",
    "pledge_types",
    "is_global",
    "beneficiary_countries",
    "ldc_countries",
    "lldc_countries",
    "sids_countries",
    "start_date",
    "end_date",
    "value_amount",
    "value_currency",
    "value_usd",
    "usd_rate",
    "usd_rate_date",
    "usd_rate_source",
    "published_at",
    "pillars",
    "lead_organisation_region",
    "implementation_regions",
    "sdgs",
    "beneficiary_groups",
    "implementation_status",
    "percent_complete",
    "progress_reported_at",
]


def _year_bounds() -> tuple[int, int]:
    this_year = timezone.now().astimezone(selectors.reporting_time_zone()).year
    return FIRST_YEAR, this_year + 1


def annual_report_check_year(*, year: int) -> None:
    """Refuse a report year outside 2015 .. next year (in the reporting time zone).

    Raises:
        ApplicationError: with a translated message.
    """
    first, last = _year_bounds()
    if not isinstance(year, int) or isinstance(year, bool) or not first <= year <= last:
        raise ApplicationError(
            _("The year of an annual report must be between %(first)d and %(last)d.")
            % {"first": first, "last": last}
        )


def _check_language(language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(
            _("Annual reports can be written in: %(languages)s.")
            % {"languages": ", ".join(code for code, _name in settings.LANGUAGES)}
        )


def _safe_cell(value) -> str:
    """A CSV cell that a spreadsheet will not read as a formula: risky first characters get a ``'`` prefix."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def snapshot_csv_bytes(rows: list[dict]) -> bytes:
    """The snapshot as CSV: a header line, then one line per pledge (UTF-8 with a byte-order mark, for Excel).

    Lists (partners, focus areas, countries, regions...) are joined with "; "; countries are ISO 3166-1 alpha-2
    codes, SDGs their numbers; SDGs and beneficiary groups are empty when the pledges did not record them.
    Cells starting with ``= + - @``, a tab or a carriage return are prefixed with ``'`` (formula injection).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SNAPSHOT_CSV_COLUMNS)
    for r in rows:
        countries = r["beneficiary_countries"]
        rate = r["usd_rate"] or {}
        progress = r.get("progress") or {}
        values = [
            r["public_id"],
            r["title"],
            r["lead_organisation"]["name"],
            r["lead_organisation"]["slug"],
            r["lead_organisation"]["stakeholder_type"]["name"],
            r["lead_organisation"]["country"],
            "; ".join(p["name"] for p in r["partners"]),
            "; ".join(f["name"] for f in r["focus_areas"]),
            "; ".join(t["name"] for t in r["pledge_types"]),
            r["is_global"],
            "; ".join(c["iso2"] for c in countries),
            *(
                "; ".join(c["iso2"] for c in countries if code in c["groups"])
                for code in selectors.GROUP_CODES
            ),
            r["start_date"],
            r["end_date"],
            r["value_amount"],
            r["value_currency"],
            r["value_usd"],
            rate.get("usd_per_unit"),
            rate.get("date"),
            rate.get("source"),
            r["published_at"],
            "; ".join(p["name"] for p in r.get("pillars", [])),
            (r["lead_organisation"].get("region") or {}).get("name"),
            "; ".join(
                sorted(
                    {c["region"]["name"] for c in countries if c.get("region")}
                    | {g["name"] for g in r.get("regions", [])}
                )
            ),
            "; ".join(str(g["number"]) for g in r["sdgs"]) if "sdgs" in r else None,
            "; ".join(g["name"] for g in r["beneficiary_groups"]) if "beneficiary_groups" in r else None,
            progress.get("implementation_status"),
            progress.get("percent_complete"),
            progress.get("reported_at"),
        ]
        writer.writerow([_safe_cell(v) for v in values])
    return out.getvalue().encode("utf-8-sig")


def _file_stem(report: AnnualReport) -> str:
    return (
        f"annual-reports/{report.year}/p2c-annual-report-{report.year}-{report.language}-r{report.revision}"
    )


def _create_next_revision(*, year: int, language: str, cutoff: dt.datetime, by) -> AnnualReport:
    """Insert the next revision row of ``year`` and ``language``; retried if another request took the number.

    The unique constraint (year, language, revision) makes two concurrent starts collide instead of sharing a
    number; the loser re-reads the maximum (READ COMMITTED sees the winner once it has committed) and tries
    again.
    """
    for _attempt in range(5):
        last = (
            AnnualReport.objects.filter(year=year, language=language).aggregate(m=Max("revision"))["m"] or 0
        )
        try:
            with transaction.atomic():
                return AnnualReport.objects.create(
                    year=year,
                    language=language,
                    revision=last + 1,
                    cutoff=cutoff,
                    status=AnnualReport.Status.QUEUED,
                    requested_by=by,
                )
        except IntegrityError:
            logger.info("Annual report %s r%s taken by a concurrent request; retrying", year, last + 1)
    raise ApplicationError(_("Another annual report for this year is being started. Please try again."))


def render_lease() -> dt.timedelta:
    """How long a rendering holds its revision without a sign of life before it counts as abandoned.

    ``settings.P2C_REPORT_LEASE_SECONDS`` if set, else the task's hard time limit plus one minute: a worker
    that is still alive renews the lease at every step (``progress``) and is killed at the hard limit, so a
    lease older than that belongs to a lost worker. The broker's visibility timeout must be longer still
    (``reports.checks``), or Redis would hand the task to a second worker while the first one renders.
    """
    seconds = getattr(settings, "P2C_REPORT_LEASE_SECONDS", None)
    return dt.timedelta(seconds=float(seconds) if seconds else HARD_TIME_LIMIT + 60)


class RenderingBusy(Exception):  # noqa: N818 - a state, not a failure
    """Another worker holds a live lease on the revision; try again once it has expired.

    Attributes:
        seconds_left: seconds until the lease expires (at least 1).
    """

    def __init__(self, report_id: int, seconds_left: float):
        super().__init__(f"Annual report {report_id} is being rendered by another worker")
        self.seconds_left = max(seconds_left, 1.0)


class LeaseLost(Exception):  # noqa: N818
    """This worker's lease on the revision expired and another worker took the rendering over."""


@dataclass(frozen=True)
class _Lease:
    report_id: int
    token: str

    def renew(self, progress: str) -> None:
        """Record ``progress`` and extend the lease; raise ``LeaseLost`` if another worker holds it now."""
        updated = AnnualReport.objects.filter(
            pk=self.report_id, status=AnnualReport.Status.RENDERING, lease_token=self.token
        ).update(progress=progress[:200], lease_expires_at=timezone.now() + render_lease())
        if not updated:
            raise LeaseLost(f"Annual report {self.report_id}: the lease was taken over")


@transaction.atomic
def annual_report_start(*, year: int, by=None, language: str = "en") -> AnnualReport:
    """Start the next revision of the annual report for ``year``: freeze its snapshot and queue the PDF.

    The snapshot is taken now: the pledges published on or before the cut-off (31 December ``year``,
    23:59:59.999999 in ``P2C_TIME_ZONE``; ``selectors.report_cutoff``) as JSON
    (``{"year", "revision", "language", "time_zone", "cutoff", "previous_cutoff", "generated_at",
    "foreword": {"text", "signed_by"}, "rows": [...]}``, rows from ``selectors.pledge_snapshot_rows``) and as
    CSV, both on the private storage. ``figures`` gets ``selectors.report_figures`` of the snapshot.
    Rendering is queued after commit (``reports.tasks.render_annual_report``); with no broker
    (``CELERY_TASK_ALWAYS_EAGER``) it runs in-process right after the commit, and an error there is recorded
    on the report (status failed), not raised here.

    Args:
        year: the report year, 2015 .. next year.
        by: the staff user asking for it (None from the command line).
        language: a code of ``settings.LANGUAGES``.
    Raises:
        ApplicationError: the year or language is not allowed (translated message).
    """
    annual_report_check_year(year=year)
    _check_language(language)
    cutoff = selectors.report_cutoff(year=year)
    previous_cutoff = selectors.report_cutoff(year=year - 1)
    rows = selectors.pledge_snapshot_rows(cutoff=cutoff)
    generated_at = timezone.now()
    foreword = AnnualReportForeword.objects.filter(year=year, language=language).first()
    report = _create_next_revision(year=year, language=language, cutoff=cutoff, by=by)

    snapshot = {
        "year": year,
        "revision": report.revision,
        "language": language,
        "time_zone": settings.P2C_TIME_ZONE,
        "cutoff": cutoff.isoformat(),
        "previous_cutoff": previous_cutoff.isoformat(),
        "generated_at": generated_at.astimezone(dt.UTC).isoformat(),
        "foreword": {"text": foreword.text, "signed_by": foreword.signed_by} if foreword else None,
        "rows": rows,
    }
    stem = _file_stem(report)
    report.snapshot_json.save(
        f"{stem}.json",
        ContentFile(json.dumps(snapshot, ensure_ascii=False, indent=1).encode("utf-8")),
        save=False,
    )
    try:
        report.snapshot_csv.save(f"{stem}.csv", ContentFile(snapshot_csv_bytes(rows)), save=False)
        report.figures = selectors.report_figures(snapshot)
        report.save(update_fields=["snapshot_json", "snapshot_csv", "figures"])
    except BaseException:
        _delete_files(report)
        raise

    from p2c.outbox import enqueue_on_commit

    from .tasks import render_annual_report

    report_id = report.pk
    enqueue_on_commit(render_annual_report, report_id)  # outbox: sent once the broker is reachable
    return report


def _delete_files(report: AnnualReport) -> None:
    for field in (report.snapshot_json, report.snapshot_csv, report.pdf):
        if field.name:
            field.storage.delete(field.name)


def read_snapshot(report: AnnualReport) -> dict:
    """The report's frozen snapshot (the JSON file), as a dict. Raises FileNotFoundError without one."""
    if not report.snapshot_json.name:
        raise FileNotFoundError(f"Annual report {report} has no snapshot file.")
    with report.snapshot_json.open("rb") as f:
        return json.loads(f.read().decode("utf-8"))


def _claim(report_id: int, token: str) -> AnnualReport | None:
    """Take the rendering of a revision: one conditional UPDATE, so two workers never both win.

    A revision can be claimed when it is queued or failed, or rendering with an expired lease (its worker
    was lost) and fewer than ``MAX_RENDER_ATTEMPTS`` renderings started.

    Returns:
        The claimed report; None if it no longer exists or is ready.
    Raises:
        RenderingBusy: another worker holds a live lease.
    """
    now = timezone.now()
    claimable = Q(status__in=[AnnualReport.Status.QUEUED, AnnualReport.Status.FAILED]) | Q(
        status=AnnualReport.Status.RENDERING, attempts__lt=MAX_RENDER_ATTEMPTS
    ) & (Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True))
    claimed = (
        AnnualReport.objects.filter(pk=report_id)
        .filter(claimable)
        .update(
            status=AnnualReport.Status.RENDERING,
            lease_token=token,
            lease_expires_at=now + render_lease(),
            attempts=F("attempts") + 1,
            progress=_("starting"),
            started_at=now,
            finished_at=None,
        )
    )
    report = AnnualReport.objects.filter(pk=report_id).first()
    if claimed:
        return report
    if report is None:
        logger.warning("Annual report %s no longer exists; nothing to render", report_id)
        return None
    if report.status == AnnualReport.Status.READY:
        return None
    if report.status == AnnualReport.Status.RENDERING:
        expires = report.lease_expires_at
        if expires is not None and expires > now:
            raise RenderingBusy(report_id, (expires - now).total_seconds())
        # Abandoned too often (e.g. every rendering hits the hard time limit): stop retaking it.
        AnnualReport.objects.filter(pk=report_id, status=AnnualReport.Status.RENDERING).update(
            status=AnnualReport.Status.FAILED,
            error=f"Rendering was abandoned {report.attempts} times (worker lost or hard time limit).",
            lease_token="",
            lease_expires_at=None,
            finished_at=now,
        )
        report.refresh_from_db()
        return None
    return None


def annual_report_render(
    *,
    report_id: int,
    retry_pending_on: tuple[type[Exception], ...] = (),
    token: str | None = None,
) -> AnnualReport | None:
    """Render a report's PDF from its stored JSON snapshot (what ``render_annual_report`` runs).

    Idempotent by state: a ready report is returned untouched, a missing report gives None. Otherwise the
    revision is claimed with a lease (``_claim``: a conditional UPDATE, committed at once, so the admin and
    the command see "rendering" and a second worker cannot claim it); the PDF is rendered from the snapshot
    file, step by step, each step renewing the lease and showing in ``progress`` ("annex chunk 3 of 10");
    then the PDF is saved on the private storage and the report becomes ready, if this worker still holds
    the lease (else the file is deleted and ``LeaseLost`` raised). Not atomic on purpose: each state change
    commits on its own.

    Args:
        report_id: primary key of the ``AnnualReport``.
        retry_pending_on: error types the caller will retry (the task's ``autoretry_for`` while retries are
            left): such an error leaves the report queued, its ``error`` saying "Retrying after ...".
        token: who renders (the Celery task ID); a fresh random one by default.
    Returns:
        The report (ready, or as found when it needed nothing), or None when it no longer exists.
    Raises:
        RenderingBusy: another worker holds a live lease (the task retries when it expires).
        LeaseLost: another worker took the rendering over while this one rendered.
        Exception: whatever rendering raised, after recording it on the report (status failed, ``error``).
    """
    token = (token or uuid.uuid4().hex)[:64]
    report = _claim(report_id, token)
    if report is None:
        return AnnualReport.objects.filter(pk=report_id).first()
    lease = _Lease(report_id=report.pk, token=token)
    mine = AnnualReport.objects.filter(pk=report.pk, status=AnnualReport.Status.RENDERING, lease_token=token)
    new_pdf = ""
    try:
        snapshot = read_snapshot(report)
        pdf = rendering.render_annual_report_pdf(
            snapshot=snapshot, revision=report.revision, language=report.language, on_progress=lease.renew
        )
        lease.renew(_("saving the PDF"))
        new_pdf = report.pdf.storage.save(f"{_file_stem(report)}.pdf", ContentFile(pdf))
        old_pdf = report.pdf.name
        finished = mine.update(
            status=AnnualReport.Status.READY,
            pdf=new_pdf,
            pdf_pages=len(PdfReader(io.BytesIO(pdf)).pages),
            figures=selectors.report_figures(snapshot),
            error="",
            progress="",
            lease_token="",
            lease_expires_at=None,
            finished_at=timezone.now(),
        )
        if not finished:
            raise LeaseLost(f"Annual report {report}: the lease was taken over before the PDF was saved")
        if old_pdf and old_pdf != new_pdf:
            report.pdf.storage.delete(old_pdf)
    except LeaseLost:
        if new_pdf:
            report.pdf.storage.delete(new_pdf)
        logger.warning("Annual report %s: another worker took the rendering over; this one stops", report)
        raise
    except BaseException as exc:
        if new_pdf:
            report.pdf.storage.delete(new_pdf)
        error = _error_text(exc)
        if isinstance(exc, retry_pending_on):
            logger.warning("Rendering annual report %s failed; it will be retried: %s", report, error)
            mine.update(
                status=AnnualReport.Status.QUEUED,
                error=f"Retrying after {error}"[:5000],
                lease_token="",
                lease_expires_at=None,
            )
        elif isinstance(exc, Exception):
            logger.exception("Rendering annual report %s failed", report)
            mine.update(
                status=AnnualReport.Status.FAILED,
                error=error[:5000],
                lease_token="",
                lease_expires_at=None,
                finished_at=timezone.now(),
            )
        raise
    report.refresh_from_db()
    return report


def _error_text(exc: BaseException) -> str:
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded):
        return f"SoftTimeLimitExceeded: rendering took longer than {SOFT_TIME_LIMIT} seconds"
    return f"{type(exc).__name__}: {exc}"


@transaction.atomic
def annual_report_release(*, report: AnnualReport, by) -> AnnualReport:
    """Release a ready revision to the public archive (``/reports/<year>/<language>/`` serves the latest).

    Idempotent: releasing a released revision keeps its first release date.

    Raises:
        ApplicationError: the revision is not ready (no PDF to publish).
    """
    report = AnnualReport.objects.select_for_update().get(pk=report.pk)
    if report.status != AnnualReport.Status.READY or not report.pdf.name:
        raise ApplicationError(
            _("Annual report %(report)s is not ready: only a rendered PDF can be released.")
            % {"report": report}
        )
    if report.released_at is None:
        report.released_at = timezone.now()
        report.released_by = by
        report.save(update_fields=["released_at", "released_by"])
        logger.info("Annual report %s released by %s", report, by)
    return report


@transaction.atomic
def annual_report_withdraw(*, report: AnnualReport, by) -> AnnualReport:
    """Take a revision out of the public archive (an earlier released revision, if any, is served again)."""
    report = AnnualReport.objects.select_for_update().get(pk=report.pk)
    if report.released_at is not None:
        report.released_at = None
        report.released_by = None
        report.save(update_fields=["released_at", "released_by"])
        logger.info("Annual report %s withdrawn from the public archive by %s", report, by)
    return report
