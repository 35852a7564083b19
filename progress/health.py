"""Pledge health and the roll-up of % complete: the rules, as plain functions over already-loaded rows.

The rules are shown on the site as they are written here (``health_rules()``, the page "How pledge health is
worked out" and each pledge's "Why is this pledge …?" page). ``progress.selectors`` loads the rows and calls
``assess``; nothing here queries the database.

Roll-up of % complete (issue "self-reported progress"): each deliverable's figure comes from the latest
published progress report: 100% when reported completed, otherwise actual value ÷ target value (capped at 100%).
A deliverable with no target or no actual value has no figure: it is shown, and left out of the roll-up (it is
not counted as 0). The roll-up is the weighted mean of the figures; a deliverable without a weight has weight 1,
so with no weights at all every deliverable counts equally.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from p2c.templatetags.p2c_format import local_date

from .models import ImplementationStatus

# A pledge reports at least once a year (issue "self-reported progress"): older than this, no recent report.
RECENT_REPORT_DAYS = 365
# How far (in percentage points) delivery may lag behind the time elapsed before a pledge is at risk / off track.
AT_RISK_GAP = 10
OFF_TRACK_GAP = 25
ONE_DECIMAL = Decimal("0.1")


class Health:
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_RECENT_REPORT = "no_recent_report"
    COMPLETED = "completed"

    LABELS = {
        ON_TRACK: gettext_lazy("On track"),
        AT_RISK: gettext_lazy("At risk"),
        OFF_TRACK: gettext_lazy("Off track"),
        NO_RECENT_REPORT: gettext_lazy("No recent report"),
        COMPLETED: gettext_lazy("Completed"),
    }
    # The question the pledge's page links to its health page with ("why is this pledge at risk?").
    QUESTIONS = {
        ON_TRACK: gettext_lazy("Why is this pledge on track?"),
        AT_RISK: gettext_lazy("Why is this pledge at risk?"),
        OFF_TRACK: gettext_lazy("Why is this pledge off track?"),
        NO_RECENT_REPORT: gettext_lazy("Why does this pledge have no recent report?"),
        COMPLETED: gettext_lazy("How is pledge health worked out?"),
    }
    # The order in which figures list the statuses.
    ORDER = (ON_TRACK, AT_RISK, OFF_TRACK, NO_RECENT_REPORT, COMPLETED)
    SEVERITY = {ON_TRACK: 0, AT_RISK: 1, OFF_TRACK: 2}


def health_rules() -> list[str]:
    """The health rules as sentences in the current language, in the order they are applied (shown on the
    site: "How pledge health is worked out" and each pledge's health page)."""
    return [
        _("Completed: the P2C Secretariat has confirmed that the pledge was completed (or has closed it)."),
        _(
            "No recent report: no progress report on the pledge has been published in the last %(days)s days "
            "(pledgers report at least once a year). The other rules need a recent report, so they are not "
            "applied."
        )
        % {"days": RECENT_REPORT_DAYS},
        _(
            "Off track: the latest report says the pledge is discontinued; or a deliverable's date has passed "
            "and it is not delivered; or the pledge's end date has passed and it is not 100%% complete; or its "
            "%% complete lags more than %(gap)s percentage points behind the share of the pledge's timeframe "
            "already elapsed."
        )
        % {"gap": OFF_TRACK_GAP},
        _(
            "At risk: the latest report says the pledge is delayed; or its %% complete lags more than %(gap)s "
            "percentage points behind the share of the timeframe elapsed; or a deliverable's date has passed and "
            "the latest report gives no figure for it."
        )
        % {"gap": AT_RISK_GAP},
        _("On track: a report was published in the last %(days)s days and no rule above applies.")
        % {"days": RECENT_REPORT_DAYS},
        _(
            "The %% complete is rolled up from the deliverables when the latest report gives figures for them: "
            "each deliverable counts 100%% when reported completed, otherwise its actual value divided by its "
            "target (at most 100%%); the roll-up is their mean weighted by the deliverables' weights (a "
            "deliverable without a weight counts as 1, so without weights all count equally). Deliverables "
            "without a figure are listed, not counted as 0. Without any figure, the %% complete stated in the "
            "report is used."
        )
        % {},
    ]


@dataclass
class DeliverableFigure:
    """One deliverable in the roll-up. ``percent`` is None when the report gives no figure for it."""

    title: str
    due_date: dt.date | None
    weight: int
    target_value: Decimal | None
    unit: str
    actual_value: Decimal | None
    status: str
    percent: Decimal | None

    @property
    def status_label(self) -> str:
        return ImplementationStatus(self.status).label if self.status else ""


@dataclass
class Rollup:
    """The roll-up of % complete: ``percent`` (one decimal) is None when no deliverable has a figure."""

    rows: list[DeliverableFigure] = field(default_factory=list)
    percent: Decimal | None = None
    weighted: bool = False

    @property
    def counted(self) -> int:
        return sum(1 for r in self.rows if r.percent is not None)

    @property
    def without_figure(self) -> list[DeliverableFigure]:
        return [r for r in self.rows if r.percent is None]


@dataclass
class PledgeHealth:
    """A pledge's health: ``status`` (a ``Health`` code), the sentences that explain it, and the figures used."""

    status: str
    reasons: list[str]
    rollup: Rollup
    percent_complete: Decimal | None
    expected_percent: Decimal | None
    last_report_on: dt.date | None

    @property
    def label(self) -> str:
        return str(Health.LABELS[self.status])

    @property
    def question(self) -> str:
        return str(Health.QUESTIONS[self.status])


def deliverable_percent(*, target_value, actual_value, status: str) -> Decimal | None:
    """A deliverable's % complete (0–100, one decimal): 100 when reported completed; else actual ÷ target,
    capped at 100; None without a positive target or an actual value."""
    if status == ImplementationStatus.COMPLETED:
        return Decimal(100)
    if target_value is None or actual_value is None or Decimal(target_value) <= 0:
        return None
    share = Decimal(actual_value) * 100 / Decimal(target_value)
    return min(share, Decimal(100)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def rollup(*, deliverables, figures: dict) -> Rollup:
    """Roll % complete up from ``deliverables`` (``pledges.Deliverable`` rows, in order) and ``figures``
    (``{deliverable id: DeliverableProgress}`` of the latest published report; may be empty)."""
    rows = []
    for deliverable in deliverables:
        figure = figures.get(deliverable.pk)
        status = figure.status if figure else ""
        actual = figure.actual_value if figure else None
        rows.append(
            DeliverableFigure(
                title=deliverable.title,
                due_date=deliverable.due_date,
                weight=deliverable.weight or 1,
                target_value=deliverable.target_value,
                unit=deliverable.unit,
                actual_value=actual,
                status=status,
                percent=deliverable_percent(
                    target_value=deliverable.target_value, actual_value=actual, status=status
                ),
            )
        )
    counted = [r for r in rows if r.percent is not None]
    percent = None
    if counted:
        total_weight = sum(r.weight for r in counted)
        percent = (sum(r.percent * r.weight for r in counted) / total_weight).quantize(
            ONE_DECIMAL, rounding=ROUND_HALF_UP
        )
    return Rollup(rows=rows, percent=percent, weighted=any(d.weight for d in deliverables))


def expected_percent(
    *, start_date: dt.date | None, end_date: dt.date | None, today: dt.date
) -> Decimal | None:
    """Share of the pledge's timeframe elapsed on ``today`` (0–100, one decimal); None without both dates."""
    if start_date is None or end_date is None or end_date <= start_date:
        return None
    elapsed = (min(max(today, start_date), end_date) - start_date).days
    return (Decimal(elapsed) * 100 / (end_date - start_date).days).quantize(
        ONE_DECIMAL, rounding=ROUND_HALF_UP
    )


def _date(value: dt.date) -> str:
    return local_date(value)


def assess(
    *, pledge, deliverables, latest_report, figures: dict, today: dt.date, report_date: dt.date | None
):
    """Apply the health rules (``health_rules()``) to one pledge.

    Args:
        pledge: a ``pledges.Pledge`` (its status, start and end dates are read).
        deliverables: its deliverables, in order.
        latest_report: its latest published ``ProgressReport``, or None.
        figures: ``{deliverable id: DeliverableProgress}`` of that report.
        today: the date to judge on (``models.reporting_today``).
        report_date: the date (in the reporting time zone) the latest report was published.
    Returns: a ``PledgeHealth``.
    """
    roll = rollup(deliverables=deliverables, figures=figures)
    percent = roll.percent
    if percent is None and latest_report is not None:
        percent = Decimal(latest_report.percent_complete)
    expected = expected_percent(start_date=pledge.start_date, end_date=pledge.end_date, today=today)

    def result(status, reasons):
        return PledgeHealth(status, reasons, roll, percent, expected, report_date)

    if pledge.status in ("completed", "closed"):
        return result(Health.COMPLETED, [_("The P2C Secretariat confirmed that this pledge was completed.")])
    if latest_report is None:
        return result(
            Health.NO_RECENT_REPORT, [_("No progress report on this pledge has been published yet.")]
        )
    if (today - report_date).days > RECENT_REPORT_DAYS:
        return result(
            Health.NO_RECENT_REPORT,
            [
                _("The latest published progress report is from %(date)s, more than %(days)s days ago.")
                % {"date": _date(report_date), "days": RECENT_REPORT_DAYS}
            ],
        )

    found: list[tuple[str, str]] = []
    if latest_report.implementation_status == ImplementationStatus.DISCONTINUED:
        found.append((Health.OFF_TRACK, _("The latest report says the pledge is discontinued.")))
    if latest_report.implementation_status == ImplementationStatus.DELAYED:
        found.append((Health.AT_RISK, _("The latest report says the pledge is delayed.")))
    for row in roll.rows:
        if row.due_date is None or row.due_date >= today:
            continue
        if row.percent is None:
            found.append(
                (
                    Health.AT_RISK,
                    _("“%(title)s” was due on %(date)s and the latest report gives no figure for it.")
                    % {"title": row.title, "date": _date(row.due_date)},
                )
            )
        elif row.percent < 100:
            found.append(
                (
                    Health.OFF_TRACK,
                    _("“%(title)s” was due on %(date)s and is %(percent)s%% delivered.")
                    % {"title": row.title, "date": _date(row.due_date), "percent": row.percent},
                )
            )
    if pledge.end_date and pledge.end_date < today and percent is not None and percent < 100:
        found.append(
            (
                Health.OFF_TRACK,
                _("The pledge's end date (%(date)s) has passed and it is %(percent)s%% complete.")
                % {"date": _date(pledge.end_date), "percent": percent},
            )
        )
    elif expected is not None and percent is not None:
        gap = expected - percent
        if gap > AT_RISK_GAP:
            found.append(
                (
                    Health.OFF_TRACK if gap > OFF_TRACK_GAP else Health.AT_RISK,
                    _(
                        "%(percent)s%% complete while %(expected)s%% of the timeframe has elapsed: "
                        "%(gap)s percentage points behind."
                    )
                    % {"percent": percent, "expected": expected, "gap": gap},
                )
            )
    if not found:
        return result(
            Health.ON_TRACK,
            [
                _("A progress report was published on %(date)s and no warning rule applies.")
                % {"date": _date(report_date)}
            ],
        )
    worst = max(Health.SEVERITY[status] for status, _reason in found)
    status = next(s for s, level in Health.SEVERITY.items() if level == worst)
    return result(status, [reason for _status, reason in found])
