"""Announcements: the personal-data export shows the subject a person received, never the Secretariat's internal
name; a subject is one line (the form refuses line breaks; a copy that cannot be sent is marked failed, not
retried for ever)."""

import json

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from secretariat.announcements import announcement_deliver
from secretariat.forms import AnnouncementTextForm
from secretariat.models import Announcement, AnnouncementDelivery, NotificationPreferences
from secretariat.roles import MODERATOR
from tests.factories import UserFactory, published_pledge

pytestmark = pytest.mark.django_db
INTERNAL_NAME = "Q3 chase: pledgers who never report (internal)"


def _announcement(subject_en="Report your progress", subject_fr="Rendez compte de vos progrès"):
    announcement = Announcement.objects.create(name=INTERNAL_NAME, status=Announcement.Status.QUEUED)
    announcement.texts.create(language="en", subject=subject_en, body="Dear focal point,\nplease report.")
    announcement.texts.create(language="fr", subject=subject_fr, body="Cher point focal,\nmerci.")
    return announcement


def _focal_point(language=""):
    person = UserFactory()
    pledge = published_pledge(title=f"Pledge of {person.email}")
    pledge.focal_point = person
    pledge.save(update_fields=["focal_point"])
    if language:
        NotificationPreferences.objects.create(user=person, language=language)
    return person


def test_the_export_holds_the_subject_received_not_the_internal_name(client):
    english, french = _focal_point(), _focal_point("fr")
    announcement = _announcement()
    assert announcement_deliver(announcement_id=announcement.pk) == 2

    for person, subject in ((english, "Report your progress"), (french, "Rendez compte de vos progrès")):
        client.force_login(person)
        response = client.get(reverse("accounts:export"))
        assert INTERNAL_NAME not in response.content.decode("utf-8")
        received = json.loads(response.content)["secretariat"]["announcements_received"]
        assert [(r["subject"], r["status"]) for r in received] == [(subject, "sent")]
        assert "announcement" not in received[0]


@pytest.mark.parametrize(
    "subject", ["Report\r\nBcc: everyone@example.org", "Report\nnow", "Report\rnow", "Report\u2028now"]
)
def test_the_text_form_refuses_a_subject_with_a_line_break(subject):
    form = AnnouncementTextForm(data={"language": "en", "subject": subject, "body": "Hello."})
    assert not form.is_valid()
    assert form.errors["subject"] == ["The subject must be one line: remove the line breaks."]
    assert AnnouncementTextForm(data={"language": "en", "subject": "Report now", "body": "Hello."}).is_valid()


def test_the_admin_refuses_a_crafted_subject(client):
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name=MODERATOR))
    client.force_login(moderator)
    response = client.post(
        "/admin/secretariat/announcement/add/",
        {
            "name": "Call",
            "texts-TOTAL_FORMS": "1",
            "texts-INITIAL_FORMS": "0",
            "texts-MIN_NUM_FORMS": "1",
            "texts-MAX_NUM_FORMS": "1000",
            "texts-0-language": "en",
            "texts-0-subject": "Report\r\nBcc: everyone@example.org",
            "texts-0-body": "Hello.",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "The subject must be one line: remove the line breaks." in response.content.decode()
    assert not Announcement.objects.exists()


def test_a_copy_that_cannot_be_sent_is_marked_failed_and_the_announcement_finishes():
    english, french = _focal_point(), _focal_point("fr")
    announcement = _announcement(subject_fr="Rendez compte\r\nBcc: everyone@example.org")

    assert announcement_deliver(announcement_id=announcement.pk) == 1  # no exception: nothing to retry

    statuses = dict(AnnouncementDelivery.objects.values_list("user_id", "status"))
    assert statuses == {english.pk: "sent", french.pk: "failed"}
    assert [m.to for m in mail.outbox] == [[english.email]]
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENT and announcement.finished_at is not None
    # A second run (a retry) sends nothing more.
    assert announcement_deliver(announcement_id=announcement.pk) == 0
    assert len(mail.outbox) == 1
