"""Emails in the recipient's language (issue "six UN languages"): each person gets the platform's mail in the
language they read (their notification preferences; the language they signed up in), and a person invited by
address only gets it in the language of the person who invited them."""

import pytest
from django.core import mail
from django.urls import reverse

from organisations.models import Membership
from organisations.services import invitation_create
from pledges import services
from pledges.models import Pledge
from secretariat.models import NotificationPreferences

from ..factories import OrganisationFactory, PledgeFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def test_a_decision_reaches_each_owner_in_their_own_language(staff_user, django_capture_on_commit_callbacks):
    pledge = PledgeFactory(status=Pledge.Status.SUBMITTED)
    english = member(pledge.lead_organisation, Membership.Role.OWNER, email="en@example.org")
    french = member(pledge.lead_organisation, Membership.Role.OWNER, email="fr@example.org")
    arabic = member(pledge.lead_organisation, Membership.Role.EDITOR, email="ar@example.org")
    NotificationPreferences.objects.create(user=french, language="fr")
    NotificationPreferences.objects.create(user=arabic, language="ar")

    with django_capture_on_commit_callbacks(execute=True):
        services.pledge_publish(pledge=pledge, by=staff_user)

    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address[english.email].subject == f"[P2C] Pledge {pledge.public_id}: Published"
    assert by_address[french.email].subject == f"[P2C] Engagement {pledge.public_id} : Publié"
    assert by_address[arabic.email].subject.startswith(f"[P2C] التعهد {pledge.public_id}:")
    # Each keeps its own one-click unsubscribe link (decisions are not essential mail).
    assert all("List-Unsubscribe" in m.extra_headers for m in by_address.values())


def test_the_language_one_signs_up_in_is_the_language_of_ones_emails(client):
    response = client.post(
        "/fr/accounts/signup/",
        {
            "email": "nouvelle@example.org",
            "password1": "un mot de passe long 2026",
            "password2": "un mot de passe long 2026",
        },
    )
    assert response.status_code == 302
    preferences = NotificationPreferences.objects.get(user__email="nouvelle@example.org")
    assert preferences.language == "fr"
    # The confirmation mail itself is in French too (allauth renders it in the request's language).
    assert "Confirmez votre adresse e-mail" in mail.outbox[-1].subject


def test_an_invitation_to_an_address_without_account_is_in_the_inviters_language(
    client, django_capture_on_commit_callbacks
):
    organisation = OrganisationFactory(name="Ministerio de Comunicaciones")
    owner = member(organisation, Membership.Role.OWNER)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/es" + reverse("organisations:invite", kwargs={"slug": organisation.slug}),
            {"email": "nadie@example.org", "role": Membership.Role.EDITOR},
        )
    assert response.status_code == 302
    (message,) = [m for m in mail.outbox if m.to == ["nadie@example.org"]]
    assert message.subject == (
        "Invitación a unirse a Ministerio de Comunicaciones en la Plataforma de Compromisos de P2C"
    )


def test_an_invitation_to_someone_with_an_account_is_in_their_own_language(
    django_capture_on_commit_callbacks,
):
    organisation = OrganisationFactory(name="Connect Islands")
    owner = member(organisation, Membership.Role.OWNER)
    invitee = UserFactory(email="ru@example.org")
    NotificationPreferences.objects.create(user=invitee, language="ru")
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            organisation=organisation, email=invitee.email, role=Membership.Role.VIEWER, by=owner
        )
    (message,) = [m for m in mail.outbox if m.to == [invitee.email]]
    assert "Connect Islands" in message.subject
    assert "Invitation" not in message.subject  # Russian, not the inviter's English
    assert any("\u0400" <= ch <= "\u04ff" for ch in message.subject)
