"""Announcements: the focal points of the chosen pledges, each once, in their language, with an unsubscribe
link; sent by a real Celery worker on Redis exactly once even when the task runs twice."""

import datetime as dt
import threading
import time
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from organisations.models import Membership
from p2c.exceptions import ApplicationError
from progress.models import ProgressReport, ReportingPeriod
from reference.models import FocusArea, Region, StakeholderType
from secretariat.announcements import announcement_deliver, announcement_recipients, announcement_send
from secretariat.models import Announcement, AnnouncementDelivery, NotificationPreferences
from secretariat.preferences import read_unsubscribe_token
from tests.factories import OrganisationFactory, UserFactory, member, published_pledge

TASK = "secretariat.tasks.send_announcement"


def _pledge(
    *, focal_point=None, countries=("MW",), focus_areas=("access",), stakeholder="government", **kwargs
):
    organisation = OrganisationFactory(stakeholder_type=StakeholderType.objects.get(slug=stakeholder))
    pledge = published_pledge(organisation, countries=countries, focus_areas=focus_areas, **kwargs)
    if focal_point is not None:
        pledge.focal_point = focal_point
        pledge.save(update_fields=["focal_point"])
    return pledge


def _announcement(**criteria) -> Announcement:
    m2m = {k: criteria.pop(k) for k in ("focus_areas", "regions", "stakeholder_types") if k in criteria}
    announcement = Announcement.objects.create(name="Call for reports", **criteria)
    for name, values in m2m.items():
        getattr(announcement, name).set(values)
    announcement.texts.create(
        language="en", subject="Report your progress", body="Dear focal point,\nplease report."
    )
    announcement.texts.create(language="fr", subject="Rendez compte", body="Cher point focal,\nmerci.")
    return announcement


@pytest.mark.django_db
def test_recipients_are_chosen_by_focus_area_region_and_stakeholder_type():
    access_africa = UserFactory()
    adoption_asia = UserFactory()
    private_africa = UserFactory()
    _pledge(focal_point=access_africa, countries=("MW",), focus_areas=("access",))
    _pledge(focal_point=adoption_asia, countries=("BD",), focus_areas=("adoption",))
    _pledge(
        focal_point=private_africa, countries=("KE",), focus_areas=("adoption",), stakeholder="private-sector"
    )
    africa = Region.objects.get(name="Africa")

    by_area = _announcement(focus_areas=FocusArea.objects.filter(slug="access"))
    by_region = _announcement(regions=[africa])
    by_type = _announcement(stakeholder_types=StakeholderType.objects.filter(slug="private-sector"))
    both = _announcement(regions=[africa], focus_areas=FocusArea.objects.filter(slug="adoption"))

    assert announcement_recipients(by_area) == [access_africa.pk]
    assert announcement_recipients(by_region) == sorted([access_africa.pk, private_africa.pk])
    assert announcement_recipients(by_type) == [private_africa.pk]
    assert announcement_recipients(both) == [private_africa.pk]


@pytest.mark.django_db
def test_not_yet_reported_for_a_period_uses_the_reporting_periods():
    reported, not_reported = UserFactory(), UserFactory()
    published = timezone.now() - dt.timedelta(days=400)
    done = _pledge(focal_point=reported, published_at=published)
    _pledge(focal_point=not_reported, published_at=published)
    today = timezone.localdate()
    period = ReportingPeriod.objects.create(
        name="2025 annual report",
        opens_on=today - dt.timedelta(days=30),
        closes_on=today + dt.timedelta(days=30),
    )
    ProgressReport.objects.create(
        pledge=done, period=period, status="submitted", implementation_status="on_track", percent_complete=20
    )
    assert announcement_recipients(
        _announcement(reporting_status="not_reported", reporting_period=period)
    ) == [not_reported.pk]
    assert announcement_recipients(_announcement(reporting_status="reported", reporting_period=period)) == [
        reported.pk
    ]


@pytest.mark.django_db
def test_a_pledge_without_focal_point_reaches_its_organisations_owners_and_each_person_once():
    person = UserFactory()
    _pledge(focal_point=person)
    _pledge(focal_point=person)
    no_focal_point = _pledge()
    no_focal_point.focal_point = None
    no_focal_point.save(update_fields=["focal_point"])
    owner = member(no_focal_point.lead_organisation, Membership.Role.OWNER)
    member(no_focal_point.lead_organisation, Membership.Role.EDITOR)
    assert announcement_recipients(_announcement()) == sorted([person.pk, owner.pk])


@pytest.mark.django_db
def test_each_person_gets_it_in_their_language_with_an_unsubscribe_link(settings):
    settings.SITE_URL = "https://p2c.example.org"
    english, french, opted_out = UserFactory(), UserFactory(), UserFactory()
    NotificationPreferences.objects.create(user=french, language="fr")
    NotificationPreferences.objects.create(user=opted_out, announcements=False)
    for person in (english, french, opted_out):
        _pledge(focal_point=person)
    announcement = _announcement()
    Announcement.objects.filter(pk=announcement.pk).update(status=Announcement.Status.QUEUED)

    assert announcement_deliver(announcement_id=announcement.pk) == 2
    assert announcement_deliver(announcement_id=announcement.pk) == 0  # a second run sends nothing

    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {english.email, french.email}
    assert by_address[english.email].subject == "Report your progress"
    assert by_address[french.email].subject == "Rendez compte"
    message = by_address[english.email]
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://p2c.example.org/unsubscribe/") and url in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert read_unsubscribe_token(url.rstrip("/").rsplit("/", 1)[1]) == (english.pk, "announcements")
    statuses = dict(AnnouncementDelivery.objects.values_list("user_id", "status"))
    assert statuses == {english.pk: "sent", french.pk: "sent", opted_out.pk: "opted_out"}
    assert AnnouncementDelivery.objects.get(user=french).language == "fr"
    assert Announcement.objects.get(pk=announcement.pk).status == Announcement.Status.SENT


@pytest.mark.django_db
def test_an_announcement_without_a_text_in_the_default_language_cannot_be_sent():
    announcement = Announcement.objects.create(name="French only")
    announcement.texts.create(language="fr", subject="Bonjour", body="Texte")
    with pytest.raises(ApplicationError):
        announcement_send(announcement=announcement, by=UserFactory(is_staff=True))


@pytest.mark.django_db
def test_the_admin_shows_who_received_it(client, django_capture_on_commit_callbacks):
    person = UserFactory(email="focal.point@example.org")
    _pledge(focal_point=person)
    announcement = _announcement()
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    html = client.get(f"/admin/secretariat/announcement/{announcement.pk}/change/").content.decode()
    assert "people it reaches now" in html.lower()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/secretariat/announcement/", {"action": "send", "_selected_action": [announcement.pk]}
        )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["focal.point@example.org"]]  # tasks run in-process here
    html = client.get(f"/admin/secretariat/announcement/{announcement.pk}/change/").content.decode()
    assert "focal.point@example.org" in html and "Sent" in html


# --- a real worker ----------------------------------------------------------------------------------------------


@pytest.fixture
def broker_worker(settings):
    """A Celery worker thread on ``settings.REDIS_URL`` consuming a queue of this test's own."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: this test needs the Redis broker (e.g. redis://127.0.0.1:6379/15)")
    from celery.contrib.testing.worker import start_worker

    from p2c.celery_app import app as celery_app

    queue = f"p2c-test-announcements-{uuid.uuid4().hex}"
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("task_always_eager", "broker_url", "task_routes")}
    conf.update(task_always_eager=False, broker_url=settings.REDIS_URL, task_routes={TASK: {"queue": queue}})
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)
    try:
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=60
        ) as worker:
            yield worker
    finally:
        conf.update(saved)
        celery_app.amqp.flush_routes()
        celery_app.amqp.__dict__.pop("router", None)


def _wait_until(condition, seconds=60, what="condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {seconds} s waiting for: {what}")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_an_announcement_to_the_right_people_exactly_once(broker_worker):
    from celery.signals import task_postrun

    from secretariat.tasks import send_announcement

    wanted = [UserFactory(email=f"focal{n}@example.org") for n in range(3)]
    other = UserFactory(email="elsewhere@example.org")
    for person in wanted:
        _pledge(focal_point=person, focus_areas=("access",))
    _pledge(focal_point=wanted[0], focus_areas=("access",))  # two pledges, one email
    _pledge(focal_point=other, focus_areas=("adoption",))
    announcement = _announcement(focus_areas=FocusArea.objects.filter(slug="access"))
    finished = []
    lock = threading.Lock()

    def record(sender=None, **kwargs):
        if sender is not None and sender.name == TASK:
            with lock:
                finished.append(threading.current_thread() is threading.main_thread())

    task_postrun.connect(record, weak=False)
    try:
        announcement_send(
            announcement=announcement, by=UserFactory(is_staff=True)
        )  # commits: queued on commit
        _wait_until(lambda: len(finished) >= 1, what="the worker running the announcement")
        send_announcement.delay(announcement.pk)  # the task runs a second time (a redelivery, a double click)
        send_announcement.delay(announcement.pk)
        _wait_until(lambda: len(finished) >= 3, what="the worker running the task twice more")
    finally:
        task_postrun.disconnect(record)

    assert finished == [False, False, False]  # run by the worker thread, never in-process
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == sorted(p.email for p in wanted)
    assert AnnouncementDelivery.objects.filter(status="sent").count() == 3
    assert Announcement.objects.get(pk=announcement.pk).status == Announcement.Status.SENT
