"""The public archive of released annual reports: /reports/ and /reports/<year>/<language>/."""

import pytest
from django.urls import reverse

from reports.models import AnnualReport
from reports.services import annual_report_release, annual_report_start
from tests.factories import published_pledge

from .helpers import pdf_text, utc

pytestmark = pytest.mark.django_db


def ready(django_capture_on_commit_callbacks, title="Archived pledge", year=2025) -> AnnualReport:
    published_pledge(title=title, published_at=utc(year, 5, 1))
    with django_capture_on_commit_callbacks(execute=True):
        report = annual_report_start(year=year)
    report.refresh_from_db()
    assert report.status == AnnualReport.Status.READY, report.error
    return report


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_archive_lists_released_reports_by_year_and_language_only(
    client, django_capture_on_commit_callbacks, staff_user
):
    released = ready(django_capture_on_commit_callbacks)
    annual_report_release(report=released, by=staff_user)
    ready(django_capture_on_commit_callbacks, year=2024)  # ready, not released

    response = client.get(reverse("annual_reports"))

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("<h1") == 1
    assert reverse("annual_report", args=[2025, "en"]) in content
    assert "English" in content
    assert reverse("annual_report", args=[2024, "en"]) not in content


def test_archive_says_so_when_nothing_is_released(client, db):
    response = client.get(reverse("annual_reports"))

    assert response.status_code == 200
    assert "No annual report has been released yet." in response.content.decode()


def test_anyone_downloads_the_latest_released_revision(
    client, django_capture_on_commit_callbacks, staff_user
):
    first = ready(django_capture_on_commit_callbacks, title="In revision one")
    annual_report_release(report=first, by=staff_user)
    second = ready(django_capture_on_commit_callbacks, title="Added for revision two")
    annual_report_release(report=second, by=staff_user)
    ready(django_capture_on_commit_callbacks, title="Revision three, not released")

    response = client.get(reverse("annual_report", args=[2025, "en"]))

    pdf = body(response)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "p2c-annual-report-2025-en-r2.pdf" in response["Content-Disposition"]
    assert "Added for revision two" in pdf_text(pdf)
    assert "Revision three, not released" not in pdf_text(pdf)
    older = client.get(reverse("annual_report_revision", args=[2025, "en", 1]))
    assert "p2c-annual-report-2025-en-r1.pdf" in older["Content-Disposition"]
    assert "Added for revision two" not in pdf_text(body(older))


@pytest.mark.parametrize(
    "args",
    [(2025, "en"), (2025, "fr"), (2031, "en")],
    ids=["not released", "other language", "other year"],
)
def test_unreleased_or_unknown_reports_give_404(client, django_capture_on_commit_callbacks, args):
    ready(django_capture_on_commit_callbacks)

    assert client.get(reverse("annual_report", args=args)).status_code == 404
    assert client.get(reverse("annual_report_revision", args=[*args, 1])).status_code == 404


def test_withdrawn_revision_falls_back_to_the_previous_released_one(
    client, django_capture_on_commit_callbacks, staff_user
):
    from reports.services import annual_report_withdraw

    first = ready(django_capture_on_commit_callbacks)
    second = ready(django_capture_on_commit_callbacks)
    annual_report_release(report=first, by=staff_user)
    annual_report_release(report=second, by=staff_user)

    annual_report_withdraw(report=second, by=staff_user)
    response = client.get(reverse("annual_report", args=[2025, "en"]))

    assert "-r1.pdf" in response["Content-Disposition"]
    assert client.get(reverse("annual_report_revision", args=[2025, "en", 2])).status_code == 404


def test_home_page_links_to_the_archive(client, db):
    assert reverse("annual_reports") in client.get("/").content.decode()
