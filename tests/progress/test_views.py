"""The progress pages: the report form (prefill, draft, submit, several evidence files), downloads, the timeline,
following a pledge, pledge health and best practices."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from pledges.models import Pledge
from progress import services
from progress.evidence import clean_evidence_file
from progress.models import BestPractice, Evidence, PledgeFollow, ProgressReport
from tests.factories import UserFactory

from .helpers import MINIMAL_PDF, content, image_bytes, ooxml_bytes, reporting_pledge, upload

pytestmark = pytest.mark.django_db


def _form_data(pledge, action="save", **overrides):
    data = {
        "implementation_status": "on_track",
        "percent_complete": "35",
        "people_reached": "12,500",
        "disbursed_amount": "250,000.50",
        "disbursed_currency": "USD",
        "narrative": "Fibre reached 40 schools.",
        "challenges": "Rainy season delays.",
        "links": "https://example.org/news/fibre\nhttps://example.org/photos",
        "evidence_visibility": "public",
        "action": action,
        "deliverables-TOTAL_FORMS": str(pledge.deliverables.count()),
        "deliverables-INITIAL_FORMS": str(pledge.deliverables.count()),
    }
    for i, deliverable in enumerate(pledge.deliverables.all()):
        data[f"deliverables-{i}-deliverable_id"] = str(deliverable.pk)
        data[f"deliverables-{i}-status"] = "on_track"
        data[f"deliverables-{i}-actual_value"] = "20"
    data.update(overrides)
    return data


def _published_report(pledge, users, **kwargs):
    evidence = kwargs.pop("evidence", [])
    report = services.progress_report_save(
        pledge=pledge, by=users["reporter"], content=content(pledge, **kwargs), evidence=evidence
    )
    services.progress_report_submit(report=report, by=users["reporter"])
    services.progress_report_publish(report=report, by=UserFactory(is_staff=True))
    report.refresh_from_db()
    return report


def _evidence(name, data, visibility="public"):
    file_content, detected, shown = clean_evidence_file(upload(name, data))
    return services.EvidenceUpload(content=file_content, detected=detected, name=shown, visibility=visibility)


@pytest.fixture
def world():
    return reporting_pledge()


def test_a_reporter_files_a_report_with_two_evidence_files_and_submits_it(client, world):
    pledge, users = world
    client.force_login(users["reporter"])
    response = client.post(
        reverse("progress:create", args=[pledge.public_id]),
        {
            **_form_data(pledge, action="submit"),
            "evidence_files": [
                upload("minutes.pdf", MINIMAL_PDF),
                upload("budget.xlsx", ooxml_bytes("xl/workbook.xml")),
            ],
        },
    )
    report = ProgressReport.objects.get(pledge=pledge)
    assert response.status_code == 302 and response["Location"] == reverse("progress:edit", args=[report.pk])
    assert report.status == ProgressReport.Status.SUBMITTED
    assert report.people_reached == 12500 and report.disbursed_amount == Decimal("250000.50")
    assert report.link_list == ["https://example.org/news/fibre", "https://example.org/photos"]
    assert sorted(report.evidence.values_list("original_name", flat=True)) == ["budget.xlsx", "minutes.pdf"]
    assert [r.actual_value for r in report.deliverable_progress.all()] == [Decimal("20.00"), Decimal("20.00")]
    # Not public yet.
    assert "Fibre reached 40 schools." not in client.get(pledge.get_absolute_url()).content.decode()


def test_a_bad_second_file_in_the_same_field_is_refused_and_nothing_is_saved(client, world):
    pledge, users = world
    client.force_login(users["reporter"])
    response = client.post(
        reverse("progress:create", args=[pledge.public_id]),
        {
            **_form_data(pledge),
            "evidence_files": [
                upload("minutes.pdf", MINIMAL_PDF),
                upload("page.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"),
            ],
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "“page.pdf” is not a PDF" in html
    assert "Fibre reached 40 schools." in html  # what was typed is kept
    assert not ProgressReport.objects.exists() and not Evidence.objects.exists()


def test_bad_numbers_get_a_message_by_the_field(client, world):
    pledge, users = world
    client.force_login(users["reporter"])
    response = client.post(
        reverse("progress:create", args=[pledge.public_id]),
        _form_data(pledge, percent_complete="140", links="not a link", disbursed_currency=""),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ensure this value is less than or equal to 100." in html
    assert "is not a web address" in html
    assert "Choose the currency of the money disbursed." in html
    assert not ProgressReport.objects.exists()


def test_submitting_without_a_narrative_keeps_the_draft_and_says_what_is_missing(client, world):
    pledge, users = world
    client.force_login(users["reporter"])
    response = client.post(
        reverse("progress:create", args=[pledge.public_id]),
        _form_data(pledge, action="submit", narrative=""),
        follow=True,
    )
    report = ProgressReport.objects.get()
    assert report.status == ProgressReport.Status.DRAFT
    assert "a narrative" in response.content.decode()


def test_a_new_report_is_prefilled_from_the_previous_one(client, world):
    pledge, users = world
    _published_report(pledge, users, people_reached=900, links="https://example.org/a", percent_complete=55)
    client.force_login(users["editor"])
    response = client.get(reverse("progress:create", args=[pledge.public_id]))
    form = response.context["form"]
    assert form.initial["percent_complete"] == 55 and form.initial["people_reached"] == 900
    assert form.initial["links"] == "https://example.org/a"
    assert [f.initial["actual_value"] for f in response.context["formset"].forms] == [Decimal("40.00")] * 2
    assert "narrative" not in form.initial  # the narrative is written afresh; the previous one is shown
    assert "120 schools connected in three districts." in response.content.decode()


def test_starting_a_second_report_opens_the_one_in_progress(client, world):
    pledge, users = world
    report = services.progress_report_save(pledge=pledge, by=users["reporter"], content=content())
    client.force_login(users["owner"])
    response = client.get(reverse("progress:create", args=[pledge.public_id]))
    assert response["Location"] == reverse("progress:edit", args=[report.pk])


def test_a_returned_report_shows_the_reason_and_can_be_fixed_and_resubmitted(client, world):
    pledge, users = world
    report = services.progress_report_save(pledge=pledge, by=users["reporter"], content=content())
    services.progress_report_submit(report=report, by=users["reporter"])
    services.progress_report_return(
        report=report, by=UserFactory(is_staff=True), reason="Name the districts."
    )
    client.force_login(users["reporter"])
    page = client.get(reverse("progress:edit", args=[report.pk])).content.decode()
    assert "Name the districts." in page
    client.post(
        reverse("progress:edit", args=[report.pk]),
        _form_data(pledge, action="submit", narrative="Dedza, Ntcheu and Mzimba."),
    )
    report.refresh_from_db()
    assert (
        report.status == ProgressReport.Status.SUBMITTED and report.narrative == "Dedza, Ntcheu and Mzimba."
    )


def test_a_viewer_reads_the_report_but_cannot_change_it(client, world):
    pledge, users = world
    report = services.progress_report_save(pledge=pledge, by=users["reporter"], content=content())
    client.force_login(users["viewer"])
    page = client.get(reverse("progress:edit", args=[report.pk]))
    assert page.status_code == 200 and '<form method="post" enctype' not in page.content.decode()
    assert client.post(reverse("progress:edit", args=[report.pk]), _form_data(pledge)).status_code == 403


def test_the_timeline_shows_published_reports_only_with_their_public_files(client, world):
    pledge, users = world
    published = _published_report(
        pledge,
        users,
        narrative="Published narrative.",
        evidence=[
            _evidence("public.pdf", MINIMAL_PDF),
            _evidence("internal.pdf", MINIMAL_PDF, "secretariat"),
        ],
    )
    services.progress_report_save(
        pledge=pledge, by=users["reporter"], content=content(narrative="Draft narrative.")
    )
    html = client.get(pledge.get_absolute_url()).content.decode()
    assert "Published narrative." in html and "Draft narrative." not in html
    public, internal = published.evidence.order_by("id")
    assert public.get_absolute_url() in html and internal.get_absolute_url() not in html
    assert len(re.findall(r"<h1[\s>]", html)) == 1


def test_evidence_downloads_are_attachments_and_checked(client, world):
    pledge, users = world
    report = services.progress_report_save(
        pledge=pledge,
        by=users["reporter"],
        content=content(),
        evidence=[
            _evidence("Site visit.png", image_bytes()),
            _evidence("audit.pdf", MINIMAL_PDF, "secretariat"),
        ],
    )
    public, internal = report.evidence.order_by("id")
    # Unpublished: only the organisation and staff.
    assert client.get(public.get_absolute_url()).status_code == 404
    client.force_login(users["viewer"])
    response = client.get(public.get_absolute_url())
    assert response.status_code == 200
    assert (
        response["Content-Disposition"].startswith("attachment;")
        and "Site visit.png" in response["Content-Disposition"]
    )
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == image_bytes()
    client.force_login(UserFactory())
    assert client.get(public.get_absolute_url()).status_code == 404
    # Published: the public file for everyone, the Secretariat-only one still not.
    services.progress_report_submit(report=report, by=users["reporter"])
    services.progress_report_publish(report=report, by=UserFactory(is_staff=True))
    client.logout()
    assert client.get(public.get_absolute_url()).status_code == 200
    assert client.get(internal.get_absolute_url()).status_code == 404
    client.force_login(UserFactory(is_staff=True))
    assert client.get(internal.get_absolute_url()).status_code == 200


def test_following_a_pledge_and_unfollowing_it(client, world, django_capture_on_commit_callbacks):
    pledge, users = world
    person = UserFactory(email="reader@example.org")
    client.force_login(person)
    html = client.get(pledge.get_absolute_url()).content.decode()
    assert "Follow this pledge" in html
    client.post(reverse("progress:follow", args=[pledge.public_id]), {"action": "follow"})
    client.post(reverse("progress:follow", args=[pledge.public_id]), {"action": "follow"})
    assert PledgeFollow.objects.filter(pledge=pledge, user=person).count() == 1
    assert "Unfollow" in client.get(pledge.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _published_report(pledge, users)
    assert any(person.email in m.to for m in mail.outbox)
    client.post(reverse("progress:follow", args=[pledge.public_id]), {"action": "unfollow"})
    assert not PledgeFollow.objects.filter(pledge=pledge, user=person).exists()


def test_visitors_are_asked_to_log_in_to_follow(client, world):
    pledge, _users = world
    html = client.get(pledge.get_absolute_url()).content.decode()
    assert "Log in to follow this pledge" in html
    assert client.post(reverse("progress:follow", args=[pledge.public_id])).status_code == 302
    assert not PledgeFollow.objects.exists()


def test_the_health_page_explains_the_status_with_the_rules(client, world):
    pledge, users = world
    response = client.get(reverse("progress:health", args=[pledge.public_id]))
    html = response.content.decode()
    assert response.status_code == 200 and len(re.findall(r"<h1[\s>]", html)) == 1
    assert "Why does this pledge have no recent report?" in html
    assert "No progress report on this pledge has been published yet." in html
    assert "Off track: the latest report says the pledge is discontinued" in html
    _published_report(pledge, users, implementation_status="delayed")
    html = client.get(pledge.get_absolute_url()).content.decode()
    assert "Why is this pledge" in html and reverse("progress:health", args=[pledge.public_id]) in html


def test_the_rules_page_shows_the_platform_figures(client, world):
    response = client.get(reverse("progress:health_rules"))
    html = response.content.decode()
    assert response.status_code == 200 and len(re.findall(r"<h1[\s>]", html)) == 1
    assert "Health of 1 public pledge" in html and "No recent report" in html


def test_a_best_practice_is_proposed_with_a_reencoded_image_and_featured(client, world, settings):
    pledge, users = world
    report = _published_report(pledge, users)
    client.force_login(users["reporter"])
    url = reverse("progress:best_practice_propose", args=[report.pk])
    original = image_bytes("JPEG", size=(40, 30))
    response = client.post(
        url,
        {
            "title": "Community-run school networks",
            "story": "Parents' committees run the link.",
            "results": "40 schools online.",
            "lessons": "Train two people per school.",
            "image": upload("../photo.jpg", original, "image/jpeg"),
            "image_alt": "Pupils at a computer",
        },
    )
    practice = BestPractice.objects.get()
    assert response["Location"] == practice.get_absolute_url()
    assert practice.status == BestPractice.Status.PROPOSED and practice.image.name.endswith(".jpg")
    assert "photo" not in practice.image.name
    stored = (settings.PRIVATE_MEDIA_ROOT / practice.image.name).read_bytes()
    assert stored != original and stored[:3] == b"\xff\xd8\xff"
    # Not public until featured.
    client.logout()
    assert client.get(practice.get_absolute_url()).status_code == 404
    assert client.get(reverse("progress:best_practice_image", args=[practice.pk])).status_code == 404
    assert (
        "Community-run school networks" not in client.get(reverse("progress:best_practices")).content.decode()
    )
    services.best_practice_decide(best_practice=practice, by=UserFactory(is_staff=True), feature=True)
    gallery = client.get(reverse("progress:best_practices")).content.decode()
    assert "Community-run school networks" in gallery and len(re.findall(r"<h1[\s>]", gallery)) == 1
    image = client.get(reverse("progress:best_practice_image", args=[practice.pk]))
    assert image["Content-Type"] == "image/jpeg" and image["X-Content-Type-Options"] == "nosniff"


def test_a_best_practice_image_that_is_not_an_image_is_refused_and_the_text_kept(client, world):
    pledge, users = world
    report = _published_report(pledge, users)
    client.force_login(users["reporter"])
    response = client.post(
        reverse("progress:best_practice_propose", args=[report.pk]),
        {
            "title": "Kept title",
            "story": "s",
            "results": "r",
            "lessons": "l",
            "image": upload("x.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png"),
            "image_alt": "x",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Upload a PNG, JPEG or WebP image" in html and "Kept title" in html
    assert not BestPractice.objects.exists()


def test_no_best_practice_from_an_unpublished_report(client, world):
    pledge, users = world
    report = services.progress_report_save(pledge=pledge, by=users["reporter"], content=content())
    client.force_login(users["reporter"])
    response = client.get(reverse("progress:best_practice_propose", args=[report.pk]))
    assert response.status_code == 302


def test_the_gallery_filters_by_focus_area_region_and_stakeholder_type(client, world):
    from reference.models import StakeholderType
    from tests.factories import OrganisationFactory

    pledge, users = world  # Malawi (Eastern Africa), access, government
    report = _published_report(pledge, users)
    staff = UserFactory(is_staff=True)
    africa = services.best_practice_propose(
        report=report, by=users["reporter"], title="Malawi schools", story="s", results="r", lessons="l"
    )
    services.best_practice_decide(best_practice=africa, by=staff, feature=True)
    other_org = OrganisationFactory(stakeholder_type=StakeholderType.objects.get(slug="private-sector"))
    fiji, fiji_users = reporting_pledge(organisation=other_org, countries=("FJ",), focus_areas=("adoption",))
    fiji_report = _published_report(fiji, fiji_users)
    pacific = services.best_practice_propose(
        report=fiji_report,
        by=fiji_users["reporter"],
        title="Fiji skills",
        story="s",
        results="r",
        lessons="l",
    )
    services.best_practice_decide(best_practice=pacific, by=staff, feature=True)
    url = reverse("progress:best_practices")

    def titles(**query):
        return [p.title for p in client.get(url, query).context["page"].object_list]

    assert sorted(titles()) == ["Fiji skills", "Malawi schools"]
    assert titles(region="002") == ["Malawi schools"]  # Africa
    assert titles(region="009") == ["Fiji skills"]  # Oceania
    assert titles(focus_area="adoption") == ["Fiji skills"]
    assert titles(stakeholder_type="government") == ["Malawi schools"]
    assert titles(stakeholder_type="private-sector", focus_area="access") == []


def test_my_progress_lists_the_pledges_to_report_on(client, world):
    pledge, users = world
    client.force_login(users["reporter"])
    html = client.get(reverse("progress:mine")).content.decode()
    assert pledge.title in html and reverse("progress:create", args=[pledge.public_id]) in html
    client.force_login(users["viewer"])
    assert pledge.title not in client.get(reverse("progress:mine")).content.decode()


def test_mark_completed_opens_the_final_report_for_owners_and_editors(client, world):
    pledge, users = world
    client.force_login(users["editor"])
    detail = client.get(pledge.get_absolute_url()).content.decode()
    final_url = reverse("progress:create", args=[pledge.public_id]) + "?final=1"
    assert final_url in detail
    form = client.get(final_url).context["form"]
    assert form.initial["is_final"] is True and form.initial["implementation_status"] == "completed"
    client.force_login(users["reporter"])
    assert "is_final" not in client.get(final_url).context["form"].fields


def test_a_closed_pledge_takes_no_more_reports(client, world):
    pledge, users = world
    report = services.progress_report_save(
        pledge=pledge, by=users["owner"], content=content(is_final=True, implementation_status="completed")
    )
    services.progress_report_submit(report=report, by=users["owner"])
    services.progress_report_publish(report=report, by=UserFactory(is_staff=True))
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CLOSED
    client.force_login(users["owner"])
    assert client.get(reverse("progress:create", args=[pledge.public_id])).status_code == 404
    html = client.get(pledge.get_absolute_url()).content.decode()
    assert "Final report" in html and "Report progress" not in html
