"""Notification preferences: ``wants``, the one-click unsubscribe link, and every sender respecting them."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from organisations.models import Membership
from pledges.models import PartnershipRequest
from pledges.tasks import send_partnership_email
from secretariat.models import NotificationPreferences
from secretariat.preferences import KINDS, unsubscribe_token, unsubscribe_url, wants
from tests.factories import OrganisationFactory, UserFactory, member, published_pledge

pytestmark = pytest.mark.django_db


def test_everything_is_wanted_until_the_person_turns_a_kind_off():
    user = UserFactory()
    assert all(wants(user, kind) for kind in KINDS)
    NotificationPreferences.objects.create(user=user, reminders=False)
    user.refresh_from_db()
    assert not wants(user, "reminders") and wants(user, "decisions")
    assert not wants(UserFactory(is_active=False), "decisions")
    with pytest.raises(ValueError):
        wants(user, "spam")


def test_the_unsubscribe_link_asks_first_then_turns_the_kind_off(client):
    user = UserFactory()
    url = reverse("secretariat:unsubscribe", kwargs={"token": unsubscribe_token(user, "partnership")})
    response = client.get(url)
    assert response.status_code == 200 and user.email in response.content.decode()
    assert wants(user, "partnership")  # opening the link (or a link checker) changes nothing
    response = client.post(url)
    assert response.status_code == 200 and "no longer receive" in response.content.decode()
    user = type(user).objects.get(pk=user.pk)
    assert not wants(user, "partnership") and wants(user, "announcements")


def test_mail_programs_unsubscribe_in_one_click_without_a_session(client):
    from django.test import Client

    user = UserFactory()
    url = (
        unsubscribe_url(user, "announcements").split("testserver", 1)[-1].replace("http://127.0.0.1:8000", "")
    )
    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert NotificationPreferences.objects.get(user=user).announcements is False


def test_a_tampered_token_is_refused(client):
    user = UserFactory()
    token = unsubscribe_token(user, "reminders")
    response = client.post(reverse("secretariat:unsubscribe", kwargs={"token": token[:-2] + "xx"}))
    assert response.status_code == 404
    assert not NotificationPreferences.objects.filter(user=user).exists()


def test_the_preferences_page_saves_the_choices_and_the_language(client):
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("secretariat:preferences"))
    assert response.status_code == 200
    response = client.post(
        reverse("secretariat:preferences"),
        {"decisions": "on", "reminders": "on", "announcements": "on", "language": "fr"},
    )
    assert response.status_code == 302
    preferences = NotificationPreferences.objects.get(user=user)
    assert (preferences.partnership, preferences.digests, preferences.language) == (False, False, "fr")
    response = client.post(reverse("secretariat:preferences"), {"language": "xx"})
    assert (
        response.status_code == 200 and "xx is not one of the available choices" in response.content.decode()
    )


def test_partnership_messages_respect_the_preferences_and_carry_the_unsubscribe_link():
    pledge = published_pledge()
    wanting = member(pledge.lead_organisation, Membership.Role.OWNER)
    not_wanting = member(pledge.lead_organisation, Membership.Role.EDITOR)
    NotificationPreferences.objects.create(user=not_wanting, partnership=False)
    sender_org = OrganisationFactory()
    request = PartnershipRequest.objects.create(
        pledge=pledge,
        from_organisation=sender_org,
        sender=member(sender_org),
        message="Let us work together.",
    )
    mail.outbox.clear()

    assert send_partnership_email.apply(args=(request.pk, "received")).get() == 1

    assert [m.to for m in mail.outbox] == [[wanting.email]]
    message = mail.outbox[0]
    assert "List-Unsubscribe" in message.extra_headers and "/unsubscribe/" in message.body


def test_reporting_reminders_respect_the_preferences():
    from progress.models import ReminderSent, ReportingPeriod
    from progress.tasks import send_reminder_email

    pledge = published_pledge(published_at=timezone.now() - dt.timedelta(days=100))
    reporter = member(pledge.lead_organisation, Membership.Role.REPORTER)
    today = timezone.localdate()
    period = ReportingPeriod.objects.create(name="P", opens_on=today - dt.timedelta(days=1), closes_on=today)
    reminder = ReminderSent.objects.create(period=period, pledge=pledge, user=reporter, step="opened")
    NotificationPreferences.objects.create(user=reporter, reminders=False)
    mail.outbox.clear()
    assert send_reminder_email.apply(args=(reminder.pk,)).get() == 0
    assert mail.outbox == []

    NotificationPreferences.objects.filter(user=reporter).update(reminders=True)
    reminder = ReminderSent.objects.create(period=period, pledge=pledge, user=reporter, step="due_3")
    assert send_reminder_email.apply(args=(reminder.pk,)).get() == 1
    assert mail.outbox[0].to == [reporter.email] and "List-Unsubscribe" in mail.outbox[0].extra_headers


def test_decisions_on_pledges_respect_the_preferences(django_capture_on_commit_callbacks):
    from pledges import services
    from tests.factories import PledgeFactory

    pledge = PledgeFactory(status="submitted")
    owner = member(pledge.lead_organisation, Membership.Role.OWNER)
    editor = member(pledge.lead_organisation, Membership.Role.EDITOR)
    NotificationPreferences.objects.create(user=editor, decisions=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.pledge_publish(pledge=pledge, by=UserFactory(is_staff=True))
    assert [m.to for m in mail.outbox] == [[owner.email]]
