"""The Secretariat's admin: opening periods, who has reported, reviewing reports, featuring best practices."""

import datetime as dt

import pytest
from django.urls import reverse

from progress import services
from progress.models import BestPractice, ProgressReport, ReportingPeriod

from .helpers import content, period, reporting_pledge

pytestmark = pytest.mark.django_db


def test_staff_open_a_period_and_overlapping_ones_are_refused(client, staff_user):
    client.force_login(staff_user)
    url = reverse("admin:progress_reportingperiod_add")
    response = client.post(url, {"name": "2026 report", "opens_on": "2026-03-01", "closes_on": "2026-04-30"})
    assert response.status_code == 302
    created = ReportingPeriod.objects.get()
    assert created.created_by == staff_user
    response = client.post(url, {"name": "Overlap", "opens_on": "2026-04-01", "closes_on": "2026-05-31"})
    assert response.status_code == 200 and "overlaps" in response.content.decode()
    response = client.post(url, {"name": "Backwards", "opens_on": "2027-05-01", "closes_on": "2027-04-01"})
    assert "cannot close before it opens" in response.content.decode()
    assert ReportingPeriod.objects.count() == 1


def test_staff_see_who_has_and_has_not_reported(client, staff_user):
    window = period("2025 report", dt.date(2025, 3, 1), dt.date(2025, 4, 30))
    done, done_users = reporting_pledge(title="Reported pledge")
    reporting_pledge(title="Silent pledge")
    report = services.progress_report_save(
        pledge=done, by=done_users["reporter"], content=content(), today=dt.date(2025, 3, 3)
    )
    services.progress_report_submit(report=report, by=done_users["reporter"])
    client.force_login(staff_user)
    changelist = client.get(reverse("admin:progress_reportingperiod_changelist")).content.decode()
    assert "1 of 2 (50.0%)" in changelist
    url = reverse("admin:progress_reportingperiod_reporting", args=[window.pk])
    page = client.get(url).content.decode()
    assert "Reported pledge" in page and "Silent pledge" in page and "Submitted for review" in page
    not_reported = client.get(url, {"filed": "no"}).content.decode()
    assert "Silent pledge" in not_reported and "Reported pledge" not in not_reported
    reported = client.get(url, {"filed": "yes"}).content.decode()
    assert "Reported pledge" in reported and "Silent pledge" not in reported


def test_the_reporting_page_is_for_staff_only(client, owner):
    window = period()
    client.force_login(owner)
    response = client.get(reverse("admin:progress_reportingperiod_reporting", args=[window.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def _submitted():
    pledge, users = reporting_pledge()
    report = services.progress_report_save(pledge=pledge, by=users["reporter"], content=content())
    services.progress_report_submit(report=report, by=users["reporter"])
    return report


def test_staff_publish_a_report_with_the_admin_action(client, staff_user):
    report = _submitted()
    client.force_login(staff_user)
    url = reverse("admin:progress_progressreport_changelist")
    data = {"action": "publish", "_selected_action": [report.pk]}
    confirm = client.post(url, data)
    assert confirm.status_code == 200 and report.pledge.public_id in confirm.content.decode()
    client.post(url, {**data, "confirm": "yes", "reason": ""})
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.PUBLISHED and report.decided_by == staff_user


def test_returning_a_report_in_the_admin_needs_a_reason(client, staff_user):
    report = _submitted()
    client.force_login(staff_user)
    url = reverse("admin:progress_progressreport_changelist")
    data = {"action": "return_for_changes", "_selected_action": [report.pk], "confirm": "yes"}
    response = client.post(url, {**data, "reason": ""})
    assert "Please give a reason" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED
    client.post(url, {**data, "reason": "Add the budget table."})
    report.refresh_from_db()
    assert (
        report.status == ProgressReport.Status.CHANGES_REQUESTED
        and report.decision_reason == "Add the budget table."
    )


def test_the_report_change_page_shows_its_evidence_and_history(client, staff_user):
    report = _submitted()
    client.force_login(staff_user)
    page = client.get(reverse("admin:progress_progressreport_change", args=[report.pk]))
    assert page.status_code == 200
    history = client.get(reverse("admin:progress_progressreport_history", args=[report.pk])).content.decode()
    assert "draft → submitted" in history


def test_staff_feature_a_best_practice(client, staff_user):
    pledge, users = reporting_pledge()
    report = services.progress_report_save(pledge=pledge, by=users["reporter"], content=content())
    services.progress_report_submit(report=report, by=users["reporter"])
    services.progress_report_publish(report=report, by=staff_user)
    practice = services.best_practice_propose(
        report=report, by=users["reporter"], title="Shared towers", story="s", results="r", lessons="l"
    )
    client.force_login(staff_user)
    client.post(
        reverse("admin:progress_bestpractice_changelist"),
        {"action": "feature", "_selected_action": [practice.pk]},
    )
    practice.refresh_from_db()
    assert practice.status == BestPractice.Status.FEATURED and practice.featured_at is not None
    assert "Shared towers" in client.get(reverse("progress:best_practices")).content.decode()
