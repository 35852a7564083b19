"""The progress report workflow: drafts, submission, the Secretariat's review, final reports, evidence."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from p2c.exceptions import ApplicationError, TransitionNotAllowed
from pledges.models import Pledge
from pledges.services import pledge_withdraw
from progress import services
from progress.evidence import clean_evidence_file
from progress.models import DeliverableProgress, Evidence, PledgeFollow, ProgressReport
from tests.factories import UserFactory

from .helpers import MINIMAL_PDF, content, image_bytes, period, reporting_pledge, upload

pytestmark = pytest.mark.django_db


def _upload(name="evidence.pdf", data=MINIMAL_PDF, visibility="public"):
    file_content, detected, shown = clean_evidence_file(upload(name, data))
    return services.EvidenceUpload(content=file_content, detected=detected, name=shown, visibility=visibility)


@pytest.fixture
def world():
    pledge, users = reporting_pledge()
    staff = UserFactory(is_staff=True, email="moderator@secretariat.example")
    return pledge, users, staff


def test_a_new_report_is_a_draft_with_its_deliverable_figures(world):
    pledge, users, _staff = world
    report = services.progress_report_save(pledge=pledge, by=users["reporter"], content=content(pledge))
    assert report.status == ProgressReport.Status.DRAFT
    rows = list(report.deliverable_progress.all())
    assert [(r.title, r.target_value, r.actual_value) for r in rows] == [
        ("Deliverable 1", Decimal("100.00"), Decimal("40.00")),
        ("Deliverable 2", Decimal("50.00"), Decimal("40.00")),
    ]
    assert not ProgressReport.objects.published().exists()
    history = DeliverableProgress.history.filter(report_id=report.pk)
    assert history.count() == 2 and {h.history_user for h in history} == {users["reporter"]}


def test_a_report_counts_for_the_open_period_and_an_overdue_one_for_its_own(world):
    pledge, users, _staff = world
    old = period("2025 report", dt.date(2025, 3, 1), dt.date(2025, 4, 30))
    current = period("2026 report", dt.date(2026, 3, 1), dt.date(2026, 4, 30))
    first = services.progress_report_save(
        pledge=pledge, by=users["reporter"], content=content(pledge), today=dt.date(2026, 3, 10)
    )
    assert first.period == old  # the 2025 report was never filed: this one counts for it
    services.progress_report_submit(report=first, by=users["reporter"])
    services.progress_report_publish(report=first, by=UserFactory(is_staff=True))
    second = services.progress_report_save(
        pledge=pledge, by=users["reporter"], content=content(pledge), today=dt.date(2026, 3, 11)
    )
    assert second.period == current


def test_a_report_outside_any_period_is_out_of_cycle(world):
    pledge, users, _staff = world
    report = services.progress_report_save(pledge=pledge, by=users["owner"], content=content())
    assert report.period is None


def test_only_one_report_can_be_in_progress_per_pledge(world):
    pledge, users, _staff = world
    services.progress_report_save(pledge=pledge, by=users["reporter"], content=content())
    with pytest.raises(ApplicationError, match="already in progress"):
        services.progress_report_save(pledge=pledge, by=users["editor"], content=content())
    assert ProgressReport.objects.filter(pledge=pledge).count() == 1


def test_money_disbursed_gets_its_usd_equivalent_at_the_secretariats_rate(world):
    pledge, users, _staff = world
    report = services.progress_report_save(
        pledge=pledge,
        by=users["reporter"],
        content=content(disbursed_amount=Decimal("1000000"), disbursed_currency="EUR"),
        today=dt.date(2026, 1, 10),
    )
    assert report.usd_rate is not None and report.usd_rate.currency_id == "EUR"
    assert report.disbursed_usd == (Decimal("1000000") * report.usd_rate.usd_per_unit).quantize(
        Decimal("0.01")
    )
    assert isinstance(report.disbursed_usd, Decimal)


def test_submission_needs_a_narrative_and_says_so(world):
    pledge, users, _staff = world
    report = services.progress_report_save(
        pledge=pledge, by=users["reporter"], content=content(narrative=" ")
    )
    with pytest.raises(ApplicationError) as error:
        services.progress_report_submit(report=report, by=users["reporter"])
    assert error.value.extra["missing"] == ["a narrative: what was done in the period"]
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.DRAFT


def test_publishing_shows_the_report_and_tells_the_organisation_and_the_followers(
    world, django_capture_on_commit_callbacks
):
    pledge, users, staff = world
    follower = UserFactory(email="follower@example.org")
    PledgeFollow.objects.create(pledge=pledge, user=follower)
    report = services.progress_report_save(pledge=pledge, by=users["reporter"], content=content())
    with django_capture_on_commit_callbacks(execute=True):
        services.progress_report_submit(report=report, by=users["reporter"])
    assert any(staff.email in m.to and "to review" in m.subject for m in mail.outbox)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.progress_report_publish(report=report, by=staff)
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.PUBLISHED and report.published_at is not None
    to = {address for m in mail.outbox for address in m.to}
    assert users["reporter"].email in to and users["owner"].email in to
    assert users["viewer"].email not in to
    follower_mail = next(m for m in mail.outbox if follower.email in m.to)
    assert pledge.title in follower_mail.subject and pledge.get_absolute_url() in follower_mail.body


def test_returning_needs_a_reason_which_the_pledgers_get_by_email(world, django_capture_on_commit_callbacks):
    pledge, users, staff = world
    report = services.progress_report_save(pledge=pledge, by=users["reporter"], content=content())
    services.progress_report_submit(report=report, by=users["reporter"])
    with pytest.raises(ApplicationError, match="reason"):
        services.progress_report_return(report=report, by=staff, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.progress_report_return(report=report, by=staff, reason="Please add the district names.")
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.CHANGES_REQUESTED
    assert report.decision_reason == "Please add the district names."
    message = next(m for m in mail.outbox if users["reporter"].email in m.to)
    assert "returned" in message.subject and "Please add the district names." in message.body
    # It can be fixed and submitted again.
    services.progress_report_save(pledge=pledge, report=report, by=users["reporter"], content=content())
    services.progress_report_submit(report=report, by=users["reporter"])
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED


def test_the_audit_trail_records_each_step_with_who_took_it(world):
    pledge, users, staff = world
    report = services.progress_report_save(pledge=pledge, by=users["reporter"], content=content())
    services.progress_report_submit(report=report, by=users["reporter"])
    services.progress_report_return(report=report, by=staff, reason="More detail.")
    services.progress_report_save(pledge=pledge, report=report, by=users["editor"], content=content())
    services.progress_report_submit(report=report, by=users["editor"])
    services.progress_report_publish(report=report, by=staff)
    history = list(report.history.order_by("history_date", "history_id"))
    assert [(h.history_change_reason, h.status, h.history_user) for h in history] == [
        ("started", "draft", users["reporter"]),
        ("draft → submitted", "submitted", users["reporter"]),
        ("submitted → changes_requested", "changes_requested", staff),
        ("saved", "changes_requested", users["editor"]),
        ("changes_requested → submitted", "submitted", users["editor"]),
        ("submitted → published", "published", staff),
    ]


@pytest.mark.parametrize("status", ["draft", "published"])
def test_only_a_submitted_report_can_be_published_or_returned(world, status):
    pledge, users, staff = world
    report = services.progress_report_save(pledge=pledge, by=users["reporter"], content=content())
    if status == "published":
        services.progress_report_submit(report=report, by=users["reporter"])
        services.progress_report_publish(report=report, by=staff)
    with pytest.raises(TransitionNotAllowed):
        services.progress_report_publish(report=report, by=staff)
    with pytest.raises(TransitionNotAllowed):
        services.progress_report_return(report=report, by=staff, reason="x")


def test_a_submitted_report_cannot_be_changed(world):
    pledge, users, _staff = world
    report = services.progress_report_save(pledge=pledge, by=users["reporter"], content=content())
    services.progress_report_submit(report=report, by=users["reporter"])
    with pytest.raises(TransitionNotAllowed):
        services.progress_report_save(
            pledge=pledge, report=report, by=users["reporter"], content=content(narrative="changed")
        )


def test_no_report_on_a_pledge_that_is_not_published(world):
    pledge, users, _staff = world
    pledge_withdraw(pledge=pledge, by=users["owner"], reason="Funding ended.")
    with pytest.raises(ApplicationError, match="published pledge"):
        services.progress_report_save(pledge=pledge, by=users["owner"], content=content())


def test_a_report_of_a_pledge_withdrawn_meanwhile_cannot_be_published(world):
    pledge, users, staff = world
    report = services.progress_report_save(pledge=pledge, by=users["reporter"], content=content())
    services.progress_report_submit(report=report, by=users["reporter"])
    pledge_withdraw(pledge=pledge, by=users["owner"], reason="Funding ended.")
    with pytest.raises(TransitionNotAllowed, match="Withdrawn"):
        services.progress_report_publish(report=report, by=staff)


# --- final report and completion -----------------------------------------------------------------------


def test_a_reporter_cannot_file_the_final_report(world):
    pledge, users, _staff = world
    with pytest.raises(ApplicationError, match="owner or editor"):
        services.progress_report_save(
            pledge=pledge,
            by=users["reporter"],
            content=content(is_final=True, implementation_status="completed"),
        )


def test_the_final_report_must_say_completed(world):
    pledge, users, _staff = world
    report = services.progress_report_save(pledge=pledge, by=users["editor"], content=content(is_final=True))
    with pytest.raises(ApplicationError) as error:
        services.progress_report_submit(report=report, by=users["editor"])
    assert "Completed" in error.value.extra["missing"][0]


def test_final_report_marks_the_pledge_completed_and_publishing_it_closes_the_pledge(world):
    pledge, users, staff = world
    report = services.progress_report_save(
        pledge=pledge,
        by=users["editor"],
        content=content(is_final=True, implementation_status="completed", percent_complete=100),
    )
    services.progress_report_submit(report=report, by=users["editor"])
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.COMPLETION_REQUESTED
    services.progress_report_publish(report=report, by=staff)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CLOSED
    assert [t.to_status for t in pledge.transitions.order_by("at", "id")][-3:] == [
        "completion_requested",
        "completed",
        "closed",
    ]
    # Closed: read-only, no more reports.
    with pytest.raises(ApplicationError):
        services.progress_report_save(pledge=pledge, by=users["owner"], content=content())


def test_returning_the_final_report_declines_completion_until_it_is_submitted_again(world):
    pledge, users, staff = world
    report = services.progress_report_save(
        pledge=pledge, by=users["owner"], content=content(is_final=True, implementation_status="completed")
    )
    services.progress_report_submit(report=report, by=users["owner"])
    services.progress_report_return(report=report, by=staff, reason="Attach the final audit.")
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PUBLISHED
    services.progress_report_submit(report=report, by=users["owner"])
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.COMPLETION_REQUESTED


# --- evidence -------------------------------------------------------------------------------------------------


def test_evidence_is_stored_on_the_private_storage_under_a_generated_name(world, settings):
    pledge, users, _staff = world
    report = services.progress_report_save(
        pledge=pledge,
        by=users["reporter"],
        content=content(),
        evidence=[_upload("Site visit.pdf"), _upload("photo.png", image_bytes(), visibility="secretariat")],
    )
    files = list(report.evidence.order_by("id"))
    assert [(f.original_name, f.kind, f.visibility) for f in files] == [
        ("Site visit.pdf", "pdf", "public"),
        ("photo.png", "image", "secretariat"),
    ]
    for f in files:
        assert (
            f.file.name.startswith("evidence/") and "Site" not in f.file.name and "photo" not in f.file.name
        )
        assert (settings.PRIVATE_MEDIA_ROOT / f.file.name).exists()
        with pytest.raises(ValueError):
            f.file.url  # noqa: B018 - private files have no public URL


def test_evidence_can_be_removed_from_a_draft_but_not_once_submitted(
    world, settings, django_capture_on_commit_callbacks
):
    pledge, users, _staff = world
    report = services.progress_report_save(
        pledge=pledge, by=users["reporter"], content=content(), evidence=[_upload(), _upload("second.pdf")]
    )
    first, second = report.evidence.order_by("id")
    path = settings.PRIVATE_MEDIA_ROOT / first.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_remove(evidence=first, by=users["reporter"])
    assert not path.exists() and not Evidence.objects.filter(pk=first.pk).exists()
    services.progress_report_submit(report=report, by=users["reporter"])
    with pytest.raises(TransitionNotAllowed):
        services.evidence_remove(evidence=second, by=users["reporter"])


def test_a_report_holds_at_most_20_evidence_files(world):
    pledge, users, _staff = world
    report = services.progress_report_save(
        pledge=pledge, by=users["reporter"], content=content(), evidence=[_upload() for _ in range(20)]
    )
    with pytest.raises(ApplicationError, match="at most 20"):
        services.progress_report_save(
            pledge=pledge, report=report, by=users["reporter"], content=content(), evidence=[_upload()]
        )
    assert report.evidence.count() == 20


def test_deliverable_figures_keep_what_they_were_measured_against(world):
    pledge, users, staff = world
    report = services.progress_report_save(pledge=pledge, by=users["reporter"], content=content(pledge))
    pledge.deliverables.filter(title="Deliverable 1").update(title="Renamed", target_value=Decimal("999"))
    row = DeliverableProgress.objects.get(report=report, title="Deliverable 1")
    assert row.target_value == Decimal("100.00")
