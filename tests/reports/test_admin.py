import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import AnnualReport
from reports.services import annual_report_start
from tests.factories import UserFactory, published_pledge

from .helpers import pdf_text, utc

pytestmark = pytest.mark.django_db

START_URL = "admin:reports_annualreport_start"


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def ready_report(django_capture_on_commit_callbacks):
    published_pledge(title="Admin pledge", value="1500", published_at=utc(2025, 4, 1))
    with django_capture_on_commit_callbacks(execute=True):
        report = annual_report_start(year=2025)
    report.refresh_from_db()
    assert report.status == AnnualReport.Status.READY
    return report


def download_url(report_id, kind):
    return reverse("admin:reports_annualreport_download", args=[report_id, kind])


def test_changelist_shows_status_figures_and_download_links(admin_client, ready_report):
    response = admin_client.get(reverse("admin:reports_annualreport_changelist"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Ready" in content
    assert "1 pledge, 1 pledging entity, $1,500.00" in content
    assert download_url(ready_report.pk, "pdf") in content
    assert download_url(ready_report.pk, "csv") in content


def test_report_page_is_read_only(admin_client, ready_report):
    response = admin_client.get(reverse("admin:reports_annualreport_change", args=[ready_report.pk]))

    assert response.status_code == 200
    assert b'name="year"' not in response.content
    assert b'type="file"' not in response.content


def test_add_leads_to_the_start_form(admin_client):
    response = admin_client.get(reverse("admin:reports_annualreport_add"))

    assert response.status_code == 302
    assert response["Location"] == reverse(START_URL)


def test_start_form_starts_a_revision_and_says_so(
    admin_client, staff_user, django_capture_on_commit_callbacks
):
    published_pledge(published_at=utc(2025, 4, 1))
    assert admin_client.get(reverse(START_URL)).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse(START_URL), {"year": "2025", "language": "en"}, follow=True)

    report = AnnualReport.objects.get()
    assert (report.year, report.revision, report.requested_by) == (2025, 1, staff_user)
    assert report.status == AnnualReport.Status.READY
    assert "Annual report 2025 revision 1 started" in response.content.decode()


def test_start_form_refuses_a_bad_year(admin_client):
    response = admin_client.post(reverse(START_URL), {"year": str(timezone.now().year + 5), "language": "en"})

    assert response.status_code == 200
    assert "must be between 2015 and" in response.content.decode()
    assert not AnnualReport.objects.exists()


@pytest.mark.parametrize(
    "kind, content_type, start",
    [
        ("pdf", "application/pdf", b"%PDF-"),
        ("json", "application/json", b"{"),
        ("csv", "text/csv", b"\xef\xbb\xbf"),
    ],
)
def test_staff_downloads_the_files_as_attachments(admin_client, ready_report, kind, content_type, start):
    response = admin_client.get(download_url(ready_report.pk, kind))

    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"p2c-annual-report-2025-en-r1" in response["Content-Disposition"].encode()
    assert body.startswith(start)
    if kind == "pdf":
        assert "Admin pledge" in pdf_text(body)


def test_unknown_report_kind_or_missing_file_gives_404(admin_client, ready_report):
    assert admin_client.get(download_url(ready_report.pk + 1000, "pdf")).status_code == 404
    assert admin_client.get(download_url(ready_report.pk, "exe")).status_code == 404
    ready_report.pdf.storage.delete(ready_report.pdf.name)
    assert admin_client.get(download_url(ready_report.pk, "pdf")).status_code == 404


def test_queued_report_has_no_pdf_to_download(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        report = annual_report_start(year=2025)

    assert admin_client.get(download_url(report.pk, "pdf")).status_code == 404
    assert admin_client.get(download_url(report.pk, "json")).status_code == 200


@pytest.mark.parametrize("is_staff", [False, True])
def test_non_staff_or_staff_without_permission_cannot_download_or_start(client, ready_report, is_staff):
    client.force_login(UserFactory(is_staff=is_staff))  # staff without the reports permissions

    download = client.get(download_url(ready_report.pk, "pdf"))
    start = client.post(reverse(START_URL), {"year": "2025", "language": "en"})

    assert download.status_code in (302, 403)
    assert not getattr(download, "streaming", False)
    assert start.status_code in (302, 403)
    assert AnnualReport.objects.count() == 1


def test_anonymous_user_is_sent_to_the_login(client, ready_report):
    response = client.get(download_url(ready_report.pk, "pdf"))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_deleting_a_report_deletes_its_files(admin_client, ready_report):
    storage = ready_report.pdf.storage
    names = [ready_report.pdf.name, ready_report.snapshot_json.name, ready_report.snapshot_csv.name]

    response = admin_client.post(
        reverse("admin:reports_annualreport_delete", args=[ready_report.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not AnnualReport.objects.exists()
    assert not any(storage.exists(name) for name in names)


def test_release_action_publishes_the_selected_ready_revisions(admin_client, ready_report):
    response = admin_client.post(
        reverse("admin:reports_annualreport_changelist"),
        {"action": "release", "_selected_action": [ready_report.pk]},
        follow=True,
    )

    ready_report.refresh_from_db()
    assert ready_report.released_at is not None
    assert "1 revision released" in response.content.decode()


def test_release_action_refuses_a_revision_that_is_not_ready(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        report = annual_report_start(year=2025)

    response = admin_client.post(
        reverse("admin:reports_annualreport_changelist"),
        {"action": "release", "_selected_action": [report.pk]},
        follow=True,
    )

    report.refresh_from_db()
    assert report.released_at is None
    assert "only a rendered PDF can be released" in response.content.decode()


def test_changelist_shows_progress_and_refreshes_while_rendering(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        report = annual_report_start(year=2025)
    AnnualReport.objects.filter(pk=report.pk).update(
        status=AnnualReport.Status.RENDERING, progress="annex chunk 3 of 10"
    )

    content = admin_client.get(reverse("admin:reports_annualreport_changelist")).content.decode()

    assert "Rendering <small>(annex chunk 3 of 10)</small>" in content
    assert '<meta http-equiv="refresh" content="5">' in content


def test_changelist_does_not_refresh_when_nothing_renders(admin_client, ready_report):
    content = admin_client.get(reverse("admin:reports_annualreport_changelist")).content.decode()

    assert 'http-equiv="refresh"' not in content


def test_failed_report_shows_its_error_in_the_list(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        report = annual_report_start(year=2025)
    AnnualReport.objects.filter(pk=report.pk).update(
        status=AnnualReport.Status.FAILED, error="RuntimeError: no fonts"
    )

    content = admin_client.get(reverse("admin:reports_annualreport_changelist")).content.decode()

    assert "Failed" in content
    assert "RuntimeError: no fonts" in content


def test_staff_edit_the_foreword_in_the_admin(admin_client):
    from reports.models import AnnualReportForeword

    response = admin_client.post(
        reverse("admin:reports_annualreportforeword_add"),
        {
            "year": "2025",
            "language": "en",
            "signed_by": "The Secretariat",
            "text": "Dear reader,\n\nThank you.",
        },
    )

    assert response.status_code == 302
    foreword = AnnualReportForeword.objects.get()
    assert (foreword.year, foreword.language, foreword.signed_by) == (2025, "en", "The Secretariat")


def test_foreword_form_refuses_a_language_the_site_does_not_have(admin_client):
    response = admin_client.post(
        reverse("admin:reports_annualreportforeword_add"), {"year": "2025", "language": "xx", "text": "Hi"}
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
