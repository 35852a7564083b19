"""Every write to progress: reports and their workflow, evidence files, best practices, follows, periods.

The report workflow (issue "self-reported progress"): draft → submitted → published, or submitted → changes
requested (returned with a reason) → submitted again. Each change goes through one service here, which checks
the allowed transition, records it in the report's history (django-simple-history, with the change as the
reason and the person as the history user) and queues its emails through the transactional outbox
(``p2c.outbox.enqueue_on_commit``). A final report also moves the pledge: submitting it asks for completion
(``pledges.services.pledge_request_completion``); publishing it confirms completion and closes the pledge
(read-only from then on); returning it declines completion (the pledge is ongoing again).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from organisations.selectors import PLEDGE_EDITING_ROLES, PROGRESS_REPORTING_ROLES, role_of
from p2c.exceptions import ApplicationError, TransitionNotAllowed
from p2c.outbox import enqueue_on_commit
from pledges import services as pledge_services
from pledges.models import Pledge
from reference.selectors import exchange_rate_for, usd_equivalent

from . import selectors
from .evidence import DetectedFile
from .models import (
    BestPractice,
    DeliverableProgress,
    Evidence,
    PledgeFollow,
    ProgressReport,
    ReportingPeriod,
    reporting_today,
)

R = ProgressReport.Status
# At most this many evidence files per report.
MAX_EVIDENCE_FILES = 20
# Pledge statuses in which a (non-final) report may still be published.
PUBLISHABLE_PLEDGE_STATUSES = (
    Pledge.Status.PUBLISHED,
    Pledge.Status.COMPLETION_REQUESTED,
    Pledge.Status.COMPLETED,
)


@dataclass
class ReportContent:
    """What a pledger writes in a progress report (the form's cleaned data).

    ``deliverables``: ``[{"deliverable": pledges.Deliverable, "status": str ("" or an ImplementationStatus),
    "actual_value": Decimal | None, "note": str}, ...]``, one per deliverable of the pledge. ``links``: web
    addresses, one per line. ``disbursed_amount`` (Decimal, in ``disbursed_currency``, an ISO 4217 code) is
    converted to US dollars by the service.
    """

    implementation_status: str
    percent_complete: int
    narrative: str = ""
    challenges: str = ""
    links: str = ""
    people_reached: int | None = None
    disbursed_amount: Decimal | None = None
    disbursed_currency: str | None = None
    is_final: bool = False
    deliverables: list[dict] = field(default_factory=list)


@dataclass
class EvidenceUpload:
    """One validated evidence file (``progress.evidence.clean_evidence_file``) and who may see it."""

    content: ContentFile
    detected: DetectedFile
    name: str
    visibility: str = Evidence.Visibility.PUBLIC


def _record(report: ProgressReport, by, reason: str) -> None:
    report._change_reason = reason
    report._history_user = by if getattr(by, "is_authenticated", False) else None


def _lock(report: ProgressReport) -> ProgressReport:
    return ProgressReport.objects.select_for_update().select_related("pledge").get(pk=report.pk)


def _check_final_allowed(*, pledge: Pledge, by) -> None:
    if role_of(by, pledge.lead_organisation) not in PLEDGE_EDITING_ROLES:
        raise ApplicationError(
            _(
                "Only an owner or editor of %(organisation)s can mark the pledge completed with a final report."
            )
            % {"organisation": pledge.lead_organisation.name}
        )


def _apply_content(report: ProgressReport, content: ReportContent, today) -> None:
    report.implementation_status = content.implementation_status
    report.percent_complete = content.percent_complete
    report.narrative = (content.narrative or "").strip()
    report.challenges = (content.challenges or "").strip()
    report.links = "\n".join(line.strip() for line in (content.links or "").splitlines() if line.strip())
    report.people_reached = content.people_reached
    report.is_final = content.is_final
    report.disbursed_amount = content.disbursed_amount
    report.disbursed_currency_id = (
        content.disbursed_currency if content.disbursed_amount is not None else None
    )
    report.disbursed_usd, report.usd_rate = None, None
    if report.disbursed_amount is not None and report.disbursed_currency_id:
        rate = exchange_rate_for(currency_code=report.disbursed_currency_id, on_date=today)
        if rate is not None:
            report.usd_rate = rate
            report.disbursed_usd = usd_equivalent(amount=report.disbursed_amount, rate=rate)


def _sync_deliverables(report: ProgressReport, rows: list[dict], by) -> None:
    """Replace the report's deliverable figures with ``rows``, copying each deliverable's title and target (the
    history of the rows, deleted and created, is part of the report's audit trail)."""
    report.deliverable_progress.all().delete()
    own = {d.pk for d in report.pledge.deliverables.all()}
    objs = [
        DeliverableProgress(
            report=report,
            deliverable=row["deliverable"],
            title=row["deliverable"].title,
            target_value=row["deliverable"].target_value,
            unit=row["deliverable"].unit,
            weight=row["deliverable"].weight,
            due_date=row["deliverable"].due_date,
            status=row.get("status") or "",
            actual_value=row.get("actual_value"),
            note=(row.get("note") or "").strip()[:500],
            order=order,
        )
        for order, row in enumerate(rows, start=1)
        if row["deliverable"].pk in own
    ]
    if objs:
        bulk_create_with_history(
            objs,
            DeliverableProgress,
            default_user=by if getattr(by, "is_authenticated", False) else None,
            default_change_reason="saved",
        )


def _add_evidence(report: ProgressReport, uploads, by) -> None:
    if not uploads:
        return
    if report.evidence.count() + len(uploads) > MAX_EVIDENCE_FILES:
        raise ApplicationError(
            _("A report can have at most %(n)d evidence files. Remove some before adding more.")
            % {"n": MAX_EVIDENCE_FILES}
        )
    for upload in uploads:
        evidence = Evidence(
            report=report,
            original_name=upload.name,
            kind=upload.detected.kind,
            content_type=upload.detected.content_type,
            size=upload.content.size,
            visibility=upload.visibility,
            uploaded_by=by,
        )
        evidence.file.save(upload.content.name, upload.content, save=False)
        evidence.save()


@transaction.atomic
def progress_report_save(
    *,
    pledge: Pledge,
    by,
    content: ReportContent,
    report: ProgressReport | None = None,
    evidence: list[EvidenceUpload] = (),
    today=None,
) -> ProgressReport:
    """Start a progress report (``report`` None) or save an editable one (draft or returned), with its
    deliverable figures and new evidence files. It stays a draft until ``progress_report_submit``.

    Args:
        pledge: a published pledge (for a new report) or the report's pledge.
        by: an owner, editor or reporter of the lead organisation (owner or editor for a final report).
        content: what the report says.
        report: the report to update, or None to start one (it counts for ``selectors.period_for_new_report``).
        evidence: validated files to add.
        today: the reporting date (default: today in the reporting time zone); picks the period and the
            exchange rate of the money disbursed.
    Raises:
        ApplicationError: the pledge is not published; another report is already in progress; a final report
            by a reporter; too many evidence files.
        TransitionNotAllowed: the report is no longer editable (submitted or published).
    """
    today = today or reporting_today()
    if content.is_final:
        _check_final_allowed(pledge=pledge, by=by)
    if report is None:
        locked_pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if locked_pledge.status != Pledge.Status.PUBLISHED:
            raise ApplicationError(_("Progress can be reported only on a published pledge."))
        if selectors.open_report(pledge=locked_pledge) is not None:
            raise ApplicationError(
                _("A progress report on this pledge is already in progress: continue that one.")
            )
        report = ProgressReport(
            pledge=locked_pledge,
            author=by,
            period=selectors.period_for_new_report(pledge=locked_pledge, today=today),
        )
        _record(report, by, "started")
    else:
        report = _lock(report)
        if not report.is_editable:
            raise TransitionNotAllowed(
                _("This report is “%(status)s” and can no longer be changed.")
                % {"status": report.get_status_display()}
            )
        _record(report, by, "saved")
    _apply_content(report, content, today)
    report.full_clean(exclude=["pledge", "author", "period"])
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as error:
        raise ApplicationError(
            _("A progress report on this pledge is already in progress: continue that one.")
        ) from error
    _sync_deliverables(report, content.deliverables, by)
    _add_evidence(report, list(evidence), by)
    return report


def progress_report_missing_for_submit(*, report: ProgressReport) -> list[str]:
    """What a report still lacks before it can be submitted, as translated phrases (empty when complete).

    Rule: a narrative; a final report says the pledge is completed."""
    missing = []
    if not report.narrative.strip():
        missing.append(_("a narrative: what was done in the period"))
    if report.is_final and report.implementation_status != ProgressReport.ImplementationStatus.COMPLETED:
        missing.append(_("the implementation status “Completed” (this is the final report)"))
    return missing


@transaction.atomic
def progress_report_submit(*, report: ProgressReport, by) -> ProgressReport:
    """Hand a draft (or a returned report) to the P2C Secretariat for review. A final report also marks the
    pledge completed, awaiting the Secretariat's confirmation (``pledge_request_completion``).

    Raises:
        ApplicationError: the report is incomplete (``extra["missing"]`` lists what is missing), or the pledge
            is no longer published.
        TransitionNotAllowed: the report is not a draft and was not returned.
    """
    report = _lock(report)
    if not report.is_editable:
        raise TransitionNotAllowed(
            _("A report that is “%(status)s” cannot be submitted.") % {"status": report.get_status_display()}
        )
    pledge = report.pledge
    if pledge.status != Pledge.Status.PUBLISHED:
        raise ApplicationError(
            _("This pledge is %(status)s: no more progress reports can be submitted on it.")
            % {"status": pledge.get_status_display()}
        )
    missing = progress_report_missing_for_submit(report=report)
    if missing:
        raise ApplicationError(_("This report cannot be submitted yet."), extra={"missing": missing})
    if report.is_final:
        _check_final_allowed(pledge=pledge, by=by)
    previous = report.status
    report.status = R.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = by
    _record(report, by, f"{previous} → submitted")
    report.save()
    if report.is_final:
        pledge_services.pledge_request_completion(
            pledge=pledge,
            by=by,
            note=_("Final progress report submitted: %(narrative)s") % {"narrative": report.narrative[:1000]},
        )
    from .tasks import send_report_submitted_email

    enqueue_on_commit(send_report_submitted_email, report.pk)
    return report


@transaction.atomic
def progress_report_publish(*, report: ProgressReport, by, note: str = "") -> ProgressReport:
    """The Secretariat publishes a submitted report: it shows on the pledge's timeline, the pledgers are told
    and the pledge's followers get an email. Publishing a final report confirms the pledge's completion and
    closes it (``pledge_confirm_completion``, ``pledge_close``): no more reports after that.

    Raises:
        TransitionNotAllowed: the report is not submitted, or its pledge was withdrawn or closed meanwhile.
    """
    report = _lock(report)
    if report.status != R.SUBMITTED:
        raise TransitionNotAllowed(
            _("A report that is “%(status)s” cannot be published.") % {"status": report.get_status_display()}
        )
    pledge = Pledge.objects.select_for_update().get(pk=report.pledge_id)
    allowed = (
        (Pledge.Status.COMPLETION_REQUESTED, Pledge.Status.COMPLETED)
        if report.is_final
        else PUBLISHABLE_PLEDGE_STATUSES
    )
    if pledge.status not in allowed:
        raise TransitionNotAllowed(
            _("The pledge is %(status)s: this report cannot be published.")
            % {"status": pledge.get_status_display()}
        )
    now = timezone.now()
    report.status = R.PUBLISHED
    report.published_at = now
    report.decided_at, report.decided_by = now, by
    report.decision_reason = (note or "").strip()
    _record(report, by, "submitted → published")
    report.save()
    if report.is_final:
        if pledge.status == Pledge.Status.COMPLETION_REQUESTED:
            pledge_services.pledge_confirm_completion(pledge=pledge, by=by, note=report.decision_reason)
        pledge_services.pledge_close(pledge=pledge, by=by, note=_("Final progress report published."))
    from .tasks import send_followers_email, send_report_decision_email

    enqueue_on_commit(send_report_decision_email, report.pk)
    enqueue_on_commit(send_followers_email, report.pk)
    return report


@transaction.atomic
def progress_report_return(*, report: ProgressReport, by, reason: str) -> ProgressReport:
    """The Secretariat returns a submitted report to the pledgers with the changes it needs (``reason``
    required; they see it and get an email). Returning a final report declines the pledge's completion: the
    pledge is ongoing again (``pledge_decline_completion``) until the report is submitted again.

    Raises:
        ApplicationError: no reason given.
        TransitionNotAllowed: the report is not submitted.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Please give a reason: the pledging organisation will see it."))
    report = _lock(report)
    if report.status != R.SUBMITTED:
        raise TransitionNotAllowed(
            _("A report that is “%(status)s” cannot be returned.") % {"status": report.get_status_display()}
        )
    now = timezone.now()
    report.status = R.CHANGES_REQUESTED
    report.decided_at, report.decided_by = now, by
    report.decision_reason = reason
    _record(report, by, "submitted → changes_requested")
    report.save()
    if report.is_final and report.pledge.status == Pledge.Status.COMPLETION_REQUESTED:
        pledge_services.pledge_decline_completion(pledge=report.pledge, by=by, reason=reason)
    from .tasks import send_report_decision_email

    enqueue_on_commit(send_report_decision_email, report.pk)
    return report


@transaction.atomic
def evidence_remove(*, evidence: Evidence, by) -> None:
    """Remove an evidence file from an editable report (the file is deleted once the removal commits).

    Raises:
        TransitionNotAllowed: the report is submitted or published.
    """
    report = _lock(evidence.report)
    if not report.is_editable:
        raise TransitionNotAllowed(_("Files of a submitted or published report cannot be removed."))
    storage, name = evidence.file.storage, evidence.file.name
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def best_practice_propose(
    *,
    report: ProgressReport,
    by,
    title: str,
    story: str,
    results: str,
    lessons: str,
    image: ContentFile | None = None,
    image_alt: str = "",
) -> BestPractice:
    """Propose a best practice from a published progress report, for the Secretariat to feature.

    Args:
        image: an image already validated and re-encoded by ``progress.images.clean_best_practice_image``.
        image_alt: what the image shows (required with an image).
    Raises:
        ApplicationError: the report is not published, the proposer is not a reporter or above of the lead
            organisation, or an image comes without a description.
    """
    report = _lock(report)
    if report.status != R.PUBLISHED:
        raise ApplicationError(_("A best practice can be proposed only from a published progress report."))
    if role_of(by, report.pledge.lead_organisation) not in PROGRESS_REPORTING_ROLES:
        raise ApplicationError(_("Only the pledge's organisation can propose its best practices."))
    if image is not None and not (image_alt or "").strip():
        raise ApplicationError(_("Say what the image shows, for people who cannot see it."))
    practice = BestPractice(
        report=report,
        pledge=report.pledge,
        title=title.strip(),
        story=story.strip(),
        results=results.strip(),
        lessons=lessons.strip(),
        image_alt=(image_alt or "").strip() if image is not None else "",
        proposed_by=by,
    )
    if image is not None:
        practice.image.save(image.name, image, save=False)
    practice.full_clean(exclude=["report", "pledge", "image"])
    practice._change_reason = "proposed"
    practice.save()
    from .tasks import send_best_practice_proposed_email

    enqueue_on_commit(send_best_practice_proposed_email, practice.pk)
    return practice


@transaction.atomic
def best_practice_decide(*, best_practice: BestPractice, by, feature: bool) -> BestPractice:
    """The Secretariat features a best practice (it shows in the public gallery and the annual report) or
    takes it out (not featured). Featuring one that is already featured keeps its date."""
    practice = BestPractice.objects.select_for_update().get(pk=best_practice.pk)
    target = BestPractice.Status.FEATURED if feature else BestPractice.Status.DECLINED
    if practice.status == target:
        return practice
    practice.status = target
    practice.featured_at = timezone.now() if feature else None
    practice.decided_by = by
    practice._change_reason = f"→ {target}"
    practice._history_user = by
    practice.save()
    return practice


@transaction.atomic
def pledge_follow(*, pledge: Pledge, user) -> PledgeFollow:
    """``user`` follows a public pledge (idempotent). Raises ApplicationError for a pledge that is not public."""
    if pledge.status not in Pledge.PUBLIC_STATUSES:
        raise ApplicationError(_("Only a public pledge can be followed."))
    follow, _created = PledgeFollow.objects.get_or_create(pledge=pledge, user=user)
    return follow


@transaction.atomic
def pledge_unfollow(*, pledge: Pledge, user) -> None:
    """``user`` stops following ``pledge`` (nothing happens if they did not follow it)."""
    PledgeFollow.objects.filter(pledge=pledge, user=user).delete()


@transaction.atomic
def reporting_period_save(*, period: ReportingPeriod, by) -> ReportingPeriod:
    """Open (or change) a reporting period. Reminders follow from its dates (``progress.reminders``).

    Raises:
        ValidationError: it closes before it opens, or overlaps another period.
    """
    if period.pk is None:
        period.created_by = by
    period.full_clean(exclude=["created_by"])
    period._history_user = by
    period.save()
    return period
