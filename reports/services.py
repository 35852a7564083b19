"""Every write to annual reports: starting a revision (freezing its snapshot) and rendering its PDF.

``annual_report_start`` freezes the data at once (a JSON and a CSV snapshot of the pledges published before
the cut-off, plus the headline figures) and queues the rendering with ``transaction.on_commit``;
``annual_report_render`` (called by the Celery task ``reports.tasks.render_annual_report``) renders the PDF
from the stored JSON snapshot, never from the live database, so a revision's PDF always matches its snapshot.
"""

import csv
import datetime as dt
import io
import json
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from p2c.exceptions import ApplicationError

from . import rendering, selectors
from .models import AnnualReport

logger = logging.getLogger(__name__)

FIRST_YEAR = 2015
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

    Lists (partners, focus areas, countries) are joined with "; "; countries are ISO 3166-1 alpha-2 codes.
    Cells starting with ``= + - @``, a tab or a carriage return are prefixed with ``'`` (formula injection).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SNAPSHOT_CSV_COLUMNS)
    for r in rows:
        countries = r["beneficiary_countries"]
        rate = r["usd_rate"] or {}
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


@transaction.atomic
def annual_report_start(*, year: int, by=None, language: str = "en") -> AnnualReport:
    """Start the next revision of the annual report for ``year``: freeze its snapshot and queue the PDF.

    The snapshot is taken now: the pledges published on or before the cut-off (31 December ``year``,
    23:59:59.999999 in ``P2C_TIME_ZONE``; ``selectors.report_cutoff``) as JSON
    (``{"year", "revision", "language", "time_zone", "cutoff", "generated_at", "rows": [...]}``, rows from
    ``selectors.pledge_snapshot_rows``) and as CSV, both on the private storage. ``figures`` gets the headline
    figures plus ``"breakdowns"``, computed from the same rows. Rendering is queued after commit
    (``reports.tasks.render_annual_report``); with no broker (``CELERY_TASK_ALWAYS_EAGER``) it runs in-process
    right after the commit, and an error there is recorded on the report (status failed), not raised here.

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
    rows = selectors.pledge_snapshot_rows(cutoff=cutoff)
    generated_at = timezone.now()
    report = _create_next_revision(year=year, language=language, cutoff=cutoff, by=by)

    snapshot = {
        "year": year,
        "revision": report.revision,
        "language": language,
        "time_zone": settings.P2C_TIME_ZONE,
        "cutoff": cutoff.isoformat(),
        "generated_at": generated_at.astimezone(dt.UTC).isoformat(),
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
        report.figures = {**selectors.headline_figures(rows), "breakdowns": selectors.breakdowns(rows)}
        report.save(update_fields=["snapshot_json", "snapshot_csv", "figures"])
    except BaseException:
        _delete_files(report)
        raise

    from .tasks import render_annual_report

    report_id = report.pk
    transaction.on_commit(lambda: render_annual_report.delay(report_id), robust=True)
    return report


def _delete_files(report: AnnualReport) -> None:
    for field in (report.snapshot_json, report.snapshot_csv, report.pdf):
        if field.name:
            field.storage.delete(field.name)


def _read_snapshot(report: AnnualReport) -> dict:
    if not report.snapshot_json.name:
        raise FileNotFoundError(f"Annual report {report} has no snapshot file.")
    with report.snapshot_json.open("rb") as f:
        return json.loads(f.read().decode("utf-8"))


def annual_report_render(
    *, report_id: int, retry_pending_on: tuple[type[Exception], ...] = ()
) -> AnnualReport | None:
    """Render a report's PDF from its stored JSON snapshot (what ``render_annual_report`` runs).

    Idempotent by state: a report already ready is returned untouched; a missing report gives None; a report
    found rendering (its worker was lost and the task redelivered, ``acks_late``) is rendered again. Otherwise
    the report is marked rendering (committed at once, so the admin and the command see it), the PDF is
    rendered from the snapshot file and saved on the private storage, and the report becomes ready. Not atomic
    on purpose: each state change commits on its own.

    Args:
        report_id: primary key of the ``AnnualReport``.
        retry_pending_on: error types the caller will retry (the task's ``autoretry_for`` while retries are
            left): such an error leaves the report queued, its ``error`` saying "Retrying after ...".
    Raises:
        Exception: whatever rendering raised, after recording it on the report (status failed, ``error``).
    """
    with transaction.atomic():
        report = AnnualReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None:
            logger.warning("Annual report %s no longer exists; nothing to render", report_id)
            return None
        if report.status == AnnualReport.Status.READY:
            return report
        report.status = AnnualReport.Status.RENDERING
        report.started_at = timezone.now()
        report.finished_at = None
        report.save(update_fields=["status", "started_at", "finished_at"])

    try:
        snapshot = _read_snapshot(report)
        pdf = rendering.render_annual_report_pdf(
            snapshot=snapshot, revision=report.revision, language=report.language
        )
        old_pdf = report.pdf.name
        report.pdf.save(f"{_file_stem(report)}.pdf", ContentFile(pdf), save=False)
        if old_pdf and old_pdf != report.pdf.name:
            report.pdf.storage.delete(old_pdf)
        figures = {
            **selectors.headline_figures(snapshot["rows"]),
            "breakdowns": selectors.breakdowns(snapshot["rows"]),
        }
        AnnualReport.objects.filter(pk=report.pk).update(
            status=AnnualReport.Status.READY,
            pdf=report.pdf.name,
            figures=figures,
            error="",
            finished_at=timezone.now(),
        )
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, retry_pending_on):
            logger.warning("Rendering annual report %s failed; it will be retried: %s", report, error)
            AnnualReport.objects.filter(pk=report.pk).update(
                status=AnnualReport.Status.QUEUED, error=f"Retrying after {error}"[:5000]
            )
        else:
            logger.exception("Rendering annual report %s failed", report)
            AnnualReport.objects.filter(pk=report.pk).update(
                status=AnnualReport.Status.FAILED, error=error[:5000], finished_at=timezone.now()
            )
        raise
    report.refresh_from_db()
    return report
