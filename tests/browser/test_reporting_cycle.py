"""A full reporting cycle in Chromium: staff open a reporting period in the admin; a reporter files a progress
report with two evidence files; staff return it with a reason; the reporter fixes it; staff publish it; it
appears on the pledge's timeline, with its public evidence file downloadable."""

import datetime as dt
import re

import pytest
from django.utils import translation

from organisations.models import Membership
from progress.models import ProgressReport, ReportingPeriod, reporting_today

from ..factories import OrganisationFactory, UserFactory, member, published_pledge
from ..progress.helpers import MINIMAL_PDF, image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _english():
    """URLs reversed here (``get_absolute_url``) and the labels clicked are the English ones, whatever language
    an earlier test left active in this thread."""
    with translation.override("en"):
        yield


def _new_page(chromium):
    page = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB").new_page()
    page.set_default_timeout(15000)
    return page


def _log_in(page, base, user):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def _admin_action(page, base, pk, action, label, reason=""):
    page.goto(f"{base}/admin/progress/progressreport/?status__exact=submitted")
    page.check(f"input[name=_selected_action][value='{pk}']")
    page.select_option("select[name=action]", action)
    page.get_by_role("button", name="Go").click()
    if reason:
        page.fill("textarea[name=reason]", reason)
    page.locator(f"input[type=submit][value='{label}']").click()
    page.wait_for_load_state()


def test_a_full_reporting_cycle(live_server, chromium):
    base = live_server.url
    organisation = OrganisationFactory(name="Ministry of ICT, Malawi")
    pledge = published_pledge(
        organisation, title="Schools online in Dedza", published_at=dt.datetime(2025, 2, 1, tzinfo=dt.UTC)
    )
    pledge.deliverables.create(
        title="200 schools connected", due_date=dt.date(2027, 6, 30), target_value=200, unit="schools"
    )
    reporter = member(organisation, Membership.Role.REPORTER, email="reporter@ict.gov.mw.example")
    staff = UserFactory(is_staff=True, is_superuser=True, email="moderator@secretariat.example")
    today = reporting_today()

    staff_page = _new_page(chromium)
    _log_in(staff_page, base, staff)

    # 1. Staff open a reporting period in the admin.
    staff_page.goto(f"{base}/admin/progress/reportingperiod/add/")
    staff_page.fill("input[name=name]", f"{today.year} annual report")
    staff_page.fill("input[name=opens_on]", (today - dt.timedelta(days=5)).isoformat())
    staff_page.fill("input[name=closes_on]", (today + dt.timedelta(days=40)).isoformat())
    staff_page.get_by_role("button", name="Save", exact=True).click()
    staff_page.wait_for_load_state()
    period = ReportingPeriod.objects.get()
    staff_page.goto(f"{base}/admin/progress/reportingperiod/{period.pk}/reporting/?filed=no")
    assert "Schools online in Dedza" in staff_page.content()

    # 2. The reporter files a report with two evidence files.
    page = _new_page(chromium)
    _log_in(page, base, reporter)
    page.goto(f"{base}{pledge.get_absolute_url()}")
    page.get_by_role("link", name="Report progress").click()
    page.select_option("select[name=implementation_status]", "on_track")
    page.fill("input[name=percent_complete]", "30")
    page.select_option("select[name=deliverables-0-status]", "on_track")
    page.fill("input[name=deliverables-0-actual_value]", "60")
    page.fill("input[name=people_reached]", "12,000")
    page.fill("textarea[name=narrative]", "60 schools connected.")
    page.set_input_files(
        "input[name=evidence_files]",
        [
            {"name": "site-visit.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF},
            {"name": "school.png", "mimeType": "image/png", "buffer": image_bytes("PNG", (32, 32))},
        ],
    )
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_load_state()
    assert "submitted to the P2C Secretariat" in page.content()
    report = ProgressReport.objects.get(pledge=pledge)
    assert report.status == "submitted" and report.period == period
    assert sorted(report.evidence.values_list("original_name", flat=True)) == ["school.png", "site-visit.pdf"]

    # Not on the timeline yet.
    visitor = _new_page(chromium)
    visitor.goto(f"{base}{pledge.get_absolute_url()}")
    assert "60 schools connected." not in visitor.content()

    # 3. Staff return it with a reason.
    _admin_action(
        staff_page,
        base,
        report.pk,
        "return_for_changes",
        "Return for changes",
        "Name the schools' districts.",
    )
    report.refresh_from_db()
    assert report.status == "changes_requested"

    # 4. The reporter sees why, fixes it and submits it again.
    page.goto(f"{base}/my/progress/")
    page.get_by_role("link", name=re.compile("Returned for changes")).click()
    assert "Name the schools' districts." in page.content()
    page.fill("textarea[name=narrative]", "60 schools connected in Dedza and Ntcheu districts.")
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_load_state()
    report.refresh_from_db()
    assert report.status == "submitted" and report.evidence.count() == 2

    # 5. Staff publish it.
    _admin_action(staff_page, base, report.pk, "publish", "Publish")
    report.refresh_from_db()
    assert report.status == "published"

    # 6. It appears on the timeline, with its evidence to download.
    visitor.goto(f"{base}{pledge.get_absolute_url()}")
    timeline = visitor.content()
    assert "60 schools connected in Dedza and Ntcheu districts." in timeline
    assert f"{today.year} annual report" in timeline and "12,000" in timeline
    with visitor.expect_download() as download_info:
        visitor.get_by_role("link", name="site-visit.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "site-visit.pdf"
    with open(download.path(), "rb") as f:
        assert f.read() == MINIMAL_PDF
    staff_page.goto(f"{base}/admin/progress/reportingperiod/")
    assert "1 of 1 (100.0%)" in staff_page.content()
