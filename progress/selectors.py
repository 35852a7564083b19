"""Every non-trivial read of progress: timelines, scoped lookups, who owes a report, pledge health and the
figures per organisation and for the whole platform.

Figures are plain, JSON-ready dicts; shares are strings with one decimal ("12.5", per cent) or None when there
is nothing to divide by, like ``reports.selectors``. The return shape of each figure function is in its
docstring.
"""

import datetime as dt
import zoneinfo
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery

from organisations.models import Membership
from organisations.selectors import PROGRESS_REPORTING_ROLES
from pledges.models import Deliverable, Pledge

from . import health
from .models import (
    BestPractice,
    DeliverableProgress,
    Evidence,
    ProgressReport,
    ReportingPeriod,
    reporting_today,
)

ONE_DECIMAL = Decimal("0.1")


def share(part: int, whole: int) -> str | None:
    """``part`` of ``whole`` in per cent, one decimal, half-up, as a string; None when ``whole`` is 0."""
    if not whole:
        return None
    return str((Decimal(part) * 100 / whole).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP))


def _end_of_day(date: dt.date) -> dt.datetime:
    """The first instant after ``date`` in the reporting time zone (an aware datetime)."""
    zone = zoneinfo.ZoneInfo(settings.P2C_TIME_ZONE)
    return dt.datetime.combine(date + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def local_date(value: dt.datetime) -> dt.date:
    """The date of ``value`` in the reporting time zone."""
    return value.astimezone(zoneinfo.ZoneInfo(settings.P2C_TIME_ZONE)).date()


# --- reports: timelines and scoped lookups -------------------------------------------------------------


def timeline_reports(*, pledge: Pledge, limit: int = 50):
    """The pledge's published reports, newest first (at most ``limit``), with their deliverable figures and the
    evidence files the public may download."""
    return (
        ProgressReport.objects.published()
        .filter(pledge=pledge)
        .select_related("period", "disbursed_currency")
        .prefetch_related(
            "deliverable_progress",
            Prefetch(
                "evidence",
                queryset=Evidence.objects.filter(visibility=Evidence.Visibility.PUBLIC),
                to_attr="public_evidence",
            ),
        )
        .order_by("-published_at", "-id")[:limit]
    )


def reports_visible_to(user):
    """Progress reports ``user`` may open in the workspace: those of pledges led by an organisation they belong
    to (any role: viewers read, reporters and above write); every report for staff."""
    if not user.is_authenticated:
        return ProgressReport.objects.none()
    if user.is_staff:
        return ProgressReport.objects.all()
    org_ids = Membership.objects.filter(user=user).values("organisation_id")
    return ProgressReport.objects.filter(pledge__lead_organisation_id__in=org_ids)


def reports_writable_by(user):
    """Progress reports of pledges led by an organisation where ``user`` is owner, editor or reporter."""
    if not user.is_authenticated:
        return ProgressReport.objects.none()
    org_ids = Membership.objects.filter(user=user, role__in=PROGRESS_REPORTING_ROLES).values(
        "organisation_id"
    )
    return ProgressReport.objects.filter(pledge__lead_organisation_id__in=org_ids)


def pledges_reportable_by(user):
    """Published pledges on which ``user`` may report (owner, editor or reporter of the lead organisation)."""
    if not user.is_authenticated:
        return Pledge.objects.none()
    org_ids = Membership.objects.filter(user=user, role__in=PROGRESS_REPORTING_ROLES).values(
        "organisation_id"
    )
    return Pledge.objects.filter(status=Pledge.Status.PUBLISHED, lead_organisation_id__in=org_ids)


def open_report(*, pledge: Pledge) -> ProgressReport | None:
    """The pledge's report in progress (draft, submitted or returned), if any: there is at most one."""
    return ProgressReport.objects.filter(pledge=pledge, status__in=ProgressReport.OPEN_STATUSES).first()


def previous_report(*, pledge: Pledge, exclude: ProgressReport | None = None) -> ProgressReport | None:
    """The report a new one is prefilled from: the latest published one, else the latest of any status."""
    reports = ProgressReport.objects.filter(pledge=pledge).prefetch_related("deliverable_progress")
    if exclude is not None and exclude.pk:
        reports = reports.exclude(pk=exclude.pk)
    return (
        reports.published().order_by("-published_at", "-id").first()
        or reports.order_by("-created_at", "-id").first()
    )


def evidence_visible_to(user):
    """Evidence files ``user`` may download: public files of published reports for everyone; every file of
    their organisations' reports for members; everything for staff."""
    public = Q(visibility=Evidence.Visibility.PUBLIC, report__status=ProgressReport.Status.PUBLISHED)
    if getattr(user, "is_staff", False):
        return Evidence.objects.all()
    if user.is_authenticated:
        org_ids = Membership.objects.filter(user=user).values("organisation_id")
        return Evidence.objects.filter(public | Q(report__pledge__lead_organisation_id__in=org_ids))
    return Evidence.objects.filter(public)


def workspace_reports(user, *, limit: int = 50):
    """The latest progress reports of ``user``'s organisations for /my/progress/, newest first."""
    return (
        reports_visible_to(user)
        .select_related("pledge", "pledge__lead_organisation", "period")
        .order_by("-updated_at", "-id")[:limit]
    )


# --- reporting periods -----------------------------------------------------------------------------------


def period_open_on(*, date: dt.date) -> ReportingPeriod | None:
    """The reporting period open on ``date`` (periods do not overlap), or None."""
    return ReportingPeriod.objects.filter(opens_on__lte=date, closes_on__gte=date).first()


def period_latest(*, today: dt.date | None = None) -> ReportingPeriod | None:
    """The period figures are given for: the one open today, else the latest that has opened."""
    today = today or reporting_today()
    return ReportingPeriod.objects.filter(opens_on__lte=today).order_by("-opens_on", "-id").first()


def pledges_owing_report(*, period: ReportingPeriod):
    """Pledges that owe a report for ``period``: published (status "published") on or before the day it closes
    (in the reporting time zone), plus every pledge that filed a report for it (a pledge completed since then
    still counts for the period it reported on)."""
    filed = ProgressReport.objects.filed().filter(period=period).values("pledge_id")
    return Pledge.objects.filter(
        Q(status=Pledge.Status.PUBLISHED, published_at__lt=_end_of_day(period.closes_on)) | Q(pk__in=filed)
    )


def period_for_new_report(*, pledge: Pledge, today: dt.date) -> ReportingPeriod | None:
    """The period a report started on ``today`` counts for: the earliest period that has opened, that the pledge
    owes and for which it has no report yet (an overdue report counts for its period); None when there is none
    (the report is out of cycle)."""
    reported = ProgressReport.objects.filter(pledge=pledge, period__isnull=False).values("period_id")
    candidates = ReportingPeriod.objects.filter(opens_on__lte=today).exclude(pk__in=reported)
    if pledge.published_at is not None:
        candidates = [
            p for p in candidates.order_by("closes_on") if pledge.published_at < _end_of_day(p.closes_on)
        ]
        return candidates[0] if candidates else None
    return None


def period_report_status(*, period: ReportingPeriod, organisation=None):
    """The pledges owing a report for ``period`` (optionally of one lead ``organisation``), each annotated with
    ``report_id`` and ``report_status`` (their report for the period, or None: nothing started), ordered by
    public ID. For the Secretariat's "who has reported" page."""
    reports = ProgressReport.objects.filter(period=period, pledge=OuterRef("pk"))
    qs = pledges_owing_report(period=period)
    if organisation is not None:
        qs = qs.filter(lead_organisation=organisation)
    return (
        qs.annotate(
            report_id=Subquery(reports.values("pk")[:1]),
            report_status=Subquery(reports.values("status")[:1]),
        )
        .select_related("lead_organisation")
        .order_by("public_id")
    )


def reporting_rate(*, period: ReportingPeriod, organisation=None) -> dict:
    """How many pledges reported for ``period``.

    Args:
        period: a reporting period.
        organisation: count only the pledges it leads (None: the whole platform).
    Returns::

        {"period": {"id": int, "name": str, "opens_on": "YYYY-MM-DD", "closes_on": "YYYY-MM-DD"},
         "owed": int,            # pledges owing a report (``pledges_owing_report``)
         "filed": int,           # of those, with a report submitted or published for the period
         "published": int,       # of those, with the report published
         "not_filed": int,       # owed - filed
         "reporting_rate": "40.0" | None}   # filed / owed, per cent, one decimal (None when nothing is owed)
    """
    owed = pledges_owing_report(period=period)
    if organisation is not None:
        owed = owed.filter(lead_organisation=organisation)
    reports = ProgressReport.objects.filter(period=period, pledge=OuterRef("pk"))
    counts = owed.annotate(
        has_filed=Exists(reports.filter(status__in=ProgressReport.FILED_STATUSES)),
        has_published=Exists(reports.filter(status=ProgressReport.Status.PUBLISHED)),
    ).aggregate(
        owed=Count("pk"),
        filed=Count("pk", filter=Q(has_filed=True)),
        published=Count("pk", filter=Q(has_published=True)),
    )
    total, filed, published = counts["owed"], counts["filed"], counts["published"]
    return {
        "period": {
            "id": period.pk,
            "name": period.name,
            "opens_on": period.opens_on.isoformat(),
            "closes_on": period.closes_on.isoformat(),
        },
        "owed": total,
        "filed": filed,
        "published": published,
        "not_filed": total - filed,
        "reporting_rate": share(filed, total),
    }


# --- pledge health ------------------------------------------------------------------------------------------


def _latest_published(pledge_ids) -> dict[int, ProgressReport]:
    latest: dict[int, ProgressReport] = {}
    reports = (
        ProgressReport.objects.published()
        .filter(pledge_id__in=pledge_ids)
        .order_by("pledge_id", "-published_at", "-id")
        .prefetch_related("deliverable_progress")
    )
    for report in reports:
        latest.setdefault(report.pledge_id, report)
    return latest


def pledges_health(*, pledges, today: dt.date | None = None) -> dict[int, health.PledgeHealth]:
    """The health of each of ``pledges`` (a queryset or list of ``Pledge``), in a constant number of queries.

    Returns: ``{pledge id: progress.health.PledgeHealth}``; the rules are ``progress.health.health_rules()``.
    """
    today = today or reporting_today()
    pledges = list(pledges)
    ids = [p.pk for p in pledges]
    deliverables: dict[int, list] = {pk: [] for pk in ids}
    for deliverable in Deliverable.objects.filter(pledge_id__in=ids).order_by("order", "id"):
        deliverables[deliverable.pledge_id].append(deliverable)
    latest = _latest_published(ids)
    result = {}
    for pledge in pledges:
        report = latest.get(pledge.pk)
        figures = (
            {row.deliverable_id: row for row in report.deliverable_progress.all() if row.deliverable_id}
            if report
            else {}
        )
        result[pledge.pk] = health.assess(
            pledge=pledge,
            deliverables=deliverables[pledge.pk],
            latest_report=report,
            figures=figures,
            today=today,
            report_date=local_date(report.published_at) if report else None,
        )
    return result


_LOAD = object()


def pledge_health(
    *, pledge: Pledge, today: dt.date | None = None, latest_report=_LOAD
) -> health.PledgeHealth:
    """The health of one pledge, with the reasons and the roll-up of % complete (``pledges_health``).

    Args:
        latest_report: the pledge's latest published report (or None: it has none) when the caller already
            has it (the timeline does); left out, it is loaded. The pledge's deliverables come from
            ``pledge.deliverables.all()`` then, so a prefetch of them is used.
    """
    if latest_report is _LOAD:
        return pledges_health(pledges=[pledge], today=today)[pledge.pk]
    figures = (
        {row.deliverable_id: row for row in latest_report.deliverable_progress.all() if row.deliverable_id}
        if latest_report is not None
        else {}
    )
    return health.assess(
        pledge=pledge,
        deliverables=list(pledge.deliverables.all()),
        latest_report=latest_report,
        figures=figures,
        today=today or reporting_today(),
        report_date=local_date(latest_report.published_at) if latest_report is not None else None,
    )


def health_distribution(*, organisation=None, today: dt.date | None = None, pledges=None) -> dict:
    """How many public pledges are in each health status.

    Args:
        organisation: count only the pledges it leads (None: the whole platform).
        today: the date to judge on (default: today in the reporting time zone).
        pledges: count these pledges instead (a queryset); overrides ``organisation``.
    Returns::

        {"pledges": int,                                    # public pledges counted
         "statuses": [{"status": "on_track", "pledges": int, "share": "12.5" | None}, ...],
                                  # every status of progress.health.Health.ORDER, in that order, zeros included
         "mean_percent_complete": "37.5" | None}            # mean % complete of pledges that have a figure

    Statuses: on_track, at_risk, off_track, no_recent_report, completed (labels: ``Health.LABELS``).
    """
    if pledges is None:
        pledges = Pledge.objects.published()
        if organisation is not None:
            pledges = pledges.filter(lead_organisation=organisation)
    assessed = pledges_health(pledges=pledges.order_by("pk"), today=today)
    counts = dict.fromkeys(health.Health.ORDER, 0)
    percents = []
    for item in assessed.values():
        counts[item.status] += 1
        if item.percent_complete is not None:
            percents.append(item.percent_complete)
    total = len(assessed)
    mean = None
    if percents:
        mean = str((sum(percents) / len(percents)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP))
    return {
        "pledges": total,
        "statuses": [{"status": s, "pledges": counts[s], "share": share(counts[s], total)} for s in counts],
        "mean_percent_complete": mean,
    }


def organisation_progress_figures(*, organisation, period: ReportingPeriod | None = None, today=None) -> dict:
    """Progress figures of the pledges led by ``organisation``.

    Returns::

        {"health": <health_distribution>,
         "reporting": <reporting_rate> | None}   # for ``period``, default ``period_latest()``; None: no period
    """
    period = period or period_latest(today=today)
    return {
        "health": health_distribution(organisation=organisation, today=today),
        "reporting": reporting_rate(period=period, organisation=organisation) if period else None,
    }


def platform_progress_figures(*, period: ReportingPeriod | None = None, today=None) -> dict:
    """Progress figures of the whole platform: the same shape as ``organisation_progress_figures``, plus
    ``"best_practices_featured": int``."""
    period = period or period_latest(today=today)
    return {
        "health": health_distribution(today=today),
        "reporting": reporting_rate(period=period) if period else None,
        "best_practices_featured": BestPractice.objects.filter(status=BestPractice.Status.FEATURED).count(),
    }


# --- best practices -----------------------------------------------------------------------------------------


def best_practices_featured(
    *, featured_from: dt.datetime | None = None, featured_until: dt.datetime | None = None
):
    """Featured best practices, newest first, with their pledge, lead organisation and focus areas loaded;
    optionally only those featured in ``[featured_from, featured_until]`` (aware datetimes; for the annual
    report: the year up to its cut-off)."""
    qs = BestPractice.objects.filter(status=BestPractice.Status.FEATURED)
    if featured_from is not None:
        qs = qs.filter(featured_at__gte=featured_from)
    if featured_until is not None:
        qs = qs.filter(featured_at__lte=featured_until)
    return qs.select_related(
        "pledge", "pledge__lead_organisation", "pledge__lead_organisation__stakeholder_type"
    ).prefetch_related("pledge__focus_areas")


def best_practices_visible_to(user):
    """Best practices ``user`` may open: featured ones for everyone; their organisations' for members; all for
    staff."""
    featured = Q(status=BestPractice.Status.FEATURED)
    if getattr(user, "is_staff", False):
        return BestPractice.objects.all()
    if user.is_authenticated:
        org_ids = Membership.objects.filter(user=user).values("organisation_id")
        return BestPractice.objects.filter(featured | Q(pledge__lead_organisation_id__in=org_ids))
    return BestPractice.objects.filter(featured)


def best_practices_gallery(*, focus_area: str = "", region: str = "", stakeholder_type: str = ""):
    """Featured best practices for the public gallery, filtered by focus area slug, UN M49 region code (a
    region, sub-region or intermediate region: the pledge's beneficiary countries in it, or the whole region
    named on the pledge) and the lead organisation's stakeholder type slug. Empty filters are ignored."""
    qs = best_practices_featured()
    if focus_area:
        qs = qs.filter(pledge__focus_areas__slug=focus_area)
    if stakeholder_type:
        qs = qs.filter(pledge__lead_organisation__stakeholder_type__slug=stakeholder_type)
    if region:
        in_region = (
            Q(pledge__beneficiary_countries__region__m49_code=region)
            | Q(pledge__beneficiary_countries__sub_region__m49_code=region)
            | Q(pledge__beneficiary_countries__intermediate_region__m49_code=region)
            | Q(pledge__regions__m49_code=region)
        )
        qs = qs.filter(pk__in=BestPractice.objects.filter(in_region).values("pk"))
    return qs.distinct().order_by("-featured_at", "-id")


def deliverable_rows_for_form(
    *, pledge: Pledge, previous: ProgressReport | None, report: ProgressReport | None
):
    """Initial rows of the deliverable part of the report form: one per current deliverable of the pledge, with
    the figures of ``report`` (when editing) or else of ``previous`` (prefill).

    Returns: ``[{"deliverable": Deliverable, "status": str, "actual_value": Decimal | None, "note": str}, ...]``.
    """
    source = report if report is not None and report.pk else previous
    figures = {}
    if source is not None:
        figures = {row.deliverable_id: row for row in DeliverableProgress.objects.filter(report=source)}
    rows = []
    for deliverable in pledge.deliverables.all():
        figure = figures.get(deliverable.pk)
        rows.append(
            {
                "deliverable": deliverable,
                "status": figure.status if figure else "",
                "actual_value": figure.actual_value if figure else None,
                "note": figure.note if figure and source is report else "",
            }
        )
    return rows
