"""Pledge health and the roll-up of % complete: the rules of progress.health, and the figures selectors."""

import datetime as dt
from decimal import Decimal

import pytest

from pledges.models import Pledge
from progress import selectors, services
from progress.health import Health, deliverable_percent, expected_percent
from progress.models import ProgressReport
from tests.factories import UserFactory

from .helpers import content, period, reporting_pledge

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 1)  # the test pledges run from 2024-01-01 to 2026-12-31; deliverables due 2026-06-30


def _publish(pledge, users, *, on=TODAY, figures=None, **kwargs):
    """Publish a report dated ``on``; ``figures``: [(status, actual value)] per deliverable, in order."""
    deliverables = list(pledge.deliverables.all())
    rows = [
        {"deliverable": d, "status": status, "actual_value": value, "note": ""}
        for d, (status, value) in zip(deliverables, figures or [("", None)] * len(deliverables), strict=True)
    ]
    report = services.progress_report_save(
        pledge=pledge, by=users["reporter"], content=content(deliverables=rows, **kwargs)
    )
    services.progress_report_submit(report=report, by=users["reporter"])
    services.progress_report_publish(report=report, by=UserFactory(is_staff=True))
    moment = dt.datetime.combine(on, dt.time(12), tzinfo=dt.UTC)
    ProgressReport.objects.filter(pk=report.pk).update(published_at=moment)
    return report


def test_deliverable_percent_is_actual_over_target_capped_and_none_without_a_figure():
    assert deliverable_percent(target_value=Decimal(200), actual_value=Decimal(50), status="") == Decimal(
        "25.0"
    )
    assert deliverable_percent(target_value=Decimal(3), actual_value=Decimal(1), status="") == Decimal("33.3")
    assert deliverable_percent(target_value=Decimal(10), actual_value=Decimal(30), status="") == Decimal(100)
    assert deliverable_percent(target_value=None, actual_value=Decimal(5), status="on_track") is None
    assert deliverable_percent(target_value=Decimal(10), actual_value=None, status="delayed") is None
    assert deliverable_percent(target_value=Decimal(0), actual_value=Decimal(0), status="") is None
    assert deliverable_percent(target_value=None, actual_value=None, status="completed") == Decimal(100)


def test_expected_percent_is_the_share_of_the_timeframe_elapsed():
    start, end = dt.date(2024, 1, 1), dt.date(2025, 1, 1)  # 366 days
    assert expected_percent(start_date=start, end_date=end, today=dt.date(2023, 5, 1)) == Decimal("0.0")
    assert expected_percent(start_date=start, end_date=end, today=dt.date(2024, 7, 2)) == Decimal("50.0")
    assert expected_percent(start_date=start, end_date=end, today=dt.date(2030, 1, 1)) == Decimal("100.0")
    assert expected_percent(start_date=None, end_date=end, today=dt.date(2024, 7, 2)) is None


def test_rollup_without_weights_counts_every_deliverable_equally():
    pledge, users = reporting_pledge(targets=(Decimal(100), Decimal(50)))
    _publish(pledge, users, figures=[("on_track", Decimal(20)), ("on_track", Decimal(40))])
    rollup = selectors.pledge_health(pledge=pledge, today=TODAY).rollup
    assert [r.percent for r in rollup.rows] == [Decimal("20.0"), Decimal("80.0")]
    assert rollup.percent == Decimal("50.0") and not rollup.weighted


def test_rollup_with_weights_and_a_deliverable_without_a_figure_that_is_shown_not_counted():
    pledge, users = reporting_pledge(weights=(3, 1), targets=(Decimal(100), None))
    _publish(pledge, users, figures=[("on_track", Decimal(60)), ("on_track", None)])
    rollup = selectors.pledge_health(pledge=pledge, today=TODAY).rollup
    assert rollup.weighted and [r.weight for r in rollup.rows] == [3, 1]
    assert rollup.rows[1].percent is None and rollup.without_figure == [rollup.rows[1]]
    assert rollup.percent == Decimal("60.0")  # not (3×60 + 1×0) / 4 = 45
    assert rollup.counted == 1


def test_rollup_weights_a_deliverable_without_a_weight_as_one():
    pledge, users = reporting_pledge(weights=(3, None), targets=(Decimal(100), Decimal(100)))
    _publish(pledge, users, figures=[("on_track", Decimal(100)), ("on_track", Decimal(0))])
    assert selectors.pledge_health(pledge=pledge, today=TODAY).rollup.percent == Decimal("75.0")


def test_no_report_means_no_recent_report():
    pledge, _users = reporting_pledge()
    result = selectors.pledge_health(pledge=pledge, today=TODAY)
    assert result.status == Health.NO_RECENT_REPORT
    assert result.reasons == ["No progress report on this pledge has been published yet."]


def test_a_report_older_than_a_year_means_no_recent_report():
    pledge, users = reporting_pledge()
    _publish(pledge, users, on=dt.date(2024, 5, 1), percent_complete=90)
    assert selectors.pledge_health(pledge=pledge, today=dt.date(2025, 5, 1)).status == Health.ON_TRACK
    stale = selectors.pledge_health(pledge=pledge, today=dt.date(2025, 5, 2))
    assert stale.status == Health.NO_RECENT_REPORT and "more than 365 days ago" in stale.reasons[0]


def test_on_track_when_delivery_keeps_up_with_time():
    pledge, users = reporting_pledge()
    # 2025-06-01 is 517 of the 1,095 days from 2024-01-01 to 2026-12-31 (47.2%); the report says 45%.
    _publish(pledge, users, percent_complete=45)
    result = selectors.pledge_health(pledge=pledge, today=TODAY)
    assert result.expected_percent == Decimal("47.2") and result.percent_complete == Decimal("45")
    assert result.status == Health.ON_TRACK


def test_at_risk_when_more_than_10_points_behind_or_delayed():
    pledge, users = reporting_pledge()
    _publish(pledge, users, percent_complete=35)  # 12.2 points behind
    result = selectors.pledge_health(pledge=pledge, today=TODAY)
    assert result.status == Health.AT_RISK and "12.2 percentage points behind" in result.reasons[0]
    other, other_users = reporting_pledge()
    _publish(other, other_users, percent_complete=50, implementation_status="delayed")
    assert selectors.pledge_health(pledge=other, today=TODAY).status == Health.AT_RISK


def test_off_track_when_more_than_25_points_behind_or_discontinued():
    pledge, users = reporting_pledge()
    _publish(pledge, users, percent_complete=20)
    assert selectors.pledge_health(pledge=pledge, today=TODAY).status == Health.OFF_TRACK
    other, other_users = reporting_pledge()
    _publish(other, other_users, percent_complete=90, implementation_status="discontinued")
    assert selectors.pledge_health(pledge=other, today=TODAY).status == Health.OFF_TRACK


def test_an_overdue_deliverable_is_off_track_and_one_without_a_figure_at_risk():
    today = dt.date(2026, 7, 15)  # after the deliverables' date
    pledge, users = reporting_pledge()
    _publish(
        pledge, users, on=today, figures=[("completed", None), ("on_track", Decimal(30))], percent_complete=80
    )
    result = selectors.pledge_health(pledge=pledge, today=today)
    assert result.status == Health.OFF_TRACK
    assert any("“Deliverable 2” was due on" in r and "60.0% delivered" in r for r in result.reasons)
    other, other_users = reporting_pledge()
    _publish(other, other_users, on=today, figures=[("completed", None), ("", None)], percent_complete=95)
    result = selectors.pledge_health(pledge=other, today=today)
    assert result.status == Health.AT_RISK
    assert any("gives no figure" in r for r in result.reasons)


def test_a_completed_pledge_is_completed():
    pledge, users = reporting_pledge()
    Pledge.objects.filter(pk=pledge.pk).update(status=Pledge.Status.CLOSED)
    pledge.refresh_from_db()
    assert selectors.pledge_health(pledge=pledge, today=TODAY).status == Health.COMPLETED


def test_health_of_many_pledges_takes_a_constant_number_of_queries(django_assert_max_num_queries):
    pledges = []
    for _ in range(5):
        pledge, users = reporting_pledge()
        _publish(pledge, users, figures=[("on_track", Decimal(10)), ("", None)])
        pledges.append(pledge)
    with django_assert_max_num_queries(4):
        result = selectors.pledges_health(
            pledges=Pledge.objects.filter(pk__in=[p.pk for p in pledges]), today=TODAY
        )
    assert len(result) == 5


def test_health_distribution_per_organisation_and_platform():
    pledge, users = reporting_pledge()
    _publish(pledge, users, percent_complete=45)
    late, _late_users = reporting_pledge(organisation=pledge.lead_organisation)
    other, other_users = reporting_pledge()
    _publish(other, other_users, percent_complete=10)
    mine = selectors.health_distribution(organisation=pledge.lead_organisation, today=TODAY)
    assert mine["pledges"] == 2
    assert {s["status"]: (s["pledges"], s["share"]) for s in mine["statuses"]} == {
        "on_track": (1, "50.0"),
        "at_risk": (0, "0.0"),
        "off_track": (0, "0.0"),
        "no_recent_report": (1, "50.0"),
        "completed": (0, "0.0"),
    }
    everyone = selectors.health_distribution(today=TODAY)
    assert everyone["pledges"] == 3 and everyone["mean_percent_complete"] == "27.5"
    assert [s["status"] for s in everyone["statuses"]] == list(Health.ORDER)


def test_reporting_rate_for_a_period():
    window = period("2025 report", dt.date(2025, 3, 1), dt.date(2025, 4, 30))
    filed_pledge, filed_users = reporting_pledge()
    draft_pledge, draft_users = reporting_pledge(organisation=filed_pledge.lead_organisation)
    reporting_pledge()  # owes, nothing started
    reporting_pledge(
        published_at=dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
    )  # published after the close: owes nothing
    report = services.progress_report_save(
        pledge=filed_pledge, by=filed_users["reporter"], content=content(), today=dt.date(2025, 3, 5)
    )
    services.progress_report_submit(report=report, by=filed_users["reporter"])
    services.progress_report_save(
        pledge=draft_pledge, by=draft_users["reporter"], content=content(), today=dt.date(2025, 3, 5)
    )
    rate = selectors.reporting_rate(period=window)
    assert (rate["owed"], rate["filed"], rate["published"], rate["not_filed"]) == (3, 1, 0, 2)
    assert rate["reporting_rate"] == "33.3"
    assert rate["period"] == {
        "id": window.pk,
        "name": "2025 report",
        "opens_on": "2025-03-01",
        "closes_on": "2025-04-30",
    }
    org = selectors.reporting_rate(period=window, organisation=filed_pledge.lead_organisation)
    assert (org["owed"], org["filed"], org["reporting_rate"]) == (2, 1, "50.0")


def test_a_pledge_completed_after_reporting_still_counts_for_its_period():
    window = period("2025 report", dt.date(2025, 3, 1), dt.date(2025, 4, 30))
    pledge, users = reporting_pledge()
    report = services.progress_report_save(
        pledge=pledge, by=users["reporter"], content=content(), today=dt.date(2025, 3, 5)
    )
    services.progress_report_submit(report=report, by=users["reporter"])
    Pledge.objects.filter(pk=pledge.pk).update(status=Pledge.Status.CLOSED)
    rate = selectors.reporting_rate(period=window)
    assert (rate["owed"], rate["filed"]) == (1, 1)


def test_platform_and_organisation_figures_have_the_documented_shape():
    period("2025 report", dt.date(2025, 3, 1), dt.date(2025, 4, 30))
    pledge, _users = reporting_pledge()
    platform = selectors.platform_progress_figures(today=TODAY)
    assert set(platform) == {"health", "reporting", "best_practices_featured"}
    assert set(platform["health"]) == {"pledges", "statuses", "mean_percent_complete"}
    assert platform["reporting"]["owed"] == 1
    organisation = selectors.organisation_progress_figures(organisation=pledge.lead_organisation, today=TODAY)
    assert set(organisation) == {"health", "reporting"}


def test_the_organisation_figures_tag_shows_health_and_reporting():
    from django.template import Context, Template

    window = period("2025 report", dt.date(2025, 3, 1), dt.date(2025, 4, 30))
    pledge, users = reporting_pledge()
    report = services.progress_report_save(
        pledge=pledge, by=users["reporter"], content=content(), today=dt.date(2025, 3, 5)
    )
    services.progress_report_submit(report=report, by=users["reporter"])
    html = Template("{% load progress_tags %}{% organisation_progress organisation %}").render(
        Context({"organisation": pledge.lead_organisation})
    )
    assert f"{window.name}: 1 of 1 pledges reported." in html
    assert "No recent report" in html and "On track" not in html  # only statuses with pledges are listed


def test_the_progress_figures_command_prints_the_platform_figures():
    import io
    import json

    from django.core.management import call_command

    period("2025 report", dt.date(2025, 3, 1), dt.date(2025, 4, 30))
    reporting_pledge()
    out = io.StringIO()
    call_command("progress_figures", stdout=out)
    assert "Public pledges: 1" in out.getvalue() and "0 of 1 pledges reported" in out.getvalue()
    out = io.StringIO()
    call_command("progress_figures", "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert figures["health"]["pledges"] == 1 and figures["reporting"]["reporting_rate"] == "0.0"
