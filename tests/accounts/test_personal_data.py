"""A person downloads their data (JSON) and deletes their account; what they did for an organisation stays with
it, attributed to "Former member", and the audit trail keeps no personal data."""

import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accounts.models import User
from accounts.services import FORMER_MEMBER_EMAIL, account_delete
from organisations import services as org_services
from organisations.models import Invitation, Membership
from organisations.selectors import organisations_without_owner
from p2c.personal_data import exporters
from pledges.models import Pledge

from ..factories import OrganisationFactory, PledgeFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def test_every_app_part_is_registered():
    assert {"account", "organisations"} <= set(exporters())


def test_a_person_downloads_their_data_as_json(client, organisation, owner):
    org_services.invitation_create(
        organisation=organisation, email="friend@example.org", role="viewer", by=owner
    )
    client.force_login(owner)
    response = client.get(reverse("accounts:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == owner.email
    assert data["organisations"]["memberships"][0]["organisation"] == organisation.name
    assert data["organisations"]["invitations_sent"][0]["email"] == "friend@example.org"
    assert "password" not in response.content.decode()


def test_the_export_is_only_ever_ones_own(client):
    assert client.get(reverse("accounts:export")).status_code == 302


def test_deleting_an_account_keeps_the_organisations_pledges_as_former_member(
    client, organisation, owner, staff_user
):
    editor = member(organisation, Membership.Role.EDITOR, email="leaving@example.org", name="Ada Leaving")
    pledge = PledgeFactory(lead_organisation=organisation, created_by=editor)
    pledge.title = "Edited by Ada"
    pledge._history_user = editor
    pledge.save()
    mine = Membership.objects.get(user=editor)
    mine.role = Membership.Role.OWNER
    mine._history_user = editor
    mine.save()
    invitation, _ = org_services.invitation_create(
        organisation=OrganisationFactory(), email="leaving@example.org", role="viewer", by=staff_user
    )
    LogEntry.objects.log_actions(
        user_id=staff_user.pk,
        queryset=User.objects.filter(pk=editor.pk),
        action_flag=CHANGE,
        change_message="[]",
    ) if hasattr(LogEntry.objects, "log_actions") else LogEntry.objects.log_action(
        user_id=staff_user.pk,
        content_type_id=ContentType.objects.get_for_model(User).pk,
        object_id=editor.pk,
        object_repr=str(editor),
        action_flag=CHANGE,
    )
    client.force_login(editor)
    response = client.post(reverse("accounts:delete"), {"password": "wrong", "confirm": "on"})
    assert response.status_code == 200 and User.objects.filter(pk=editor.pk).exists()
    response = client.post(reverse("accounts:delete"), {"password": "correct-horse-battery", "confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=editor.pk).exists()
    assert "_auth_user_id" not in client.session

    former = User.objects.get(email=FORMER_MEMBER_EMAIL)
    assert not former.is_active and not former.has_usable_password() and str(former) == "Former member"
    pledge = Pledge.objects.get(pk=pledge.pk)
    assert pledge.lead_organisation == organisation and pledge.created_by == former
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    # The audit trail: who changed what is "Former member"; no row points at the deleted account.
    for model in (Pledge.history.model, Membership.history.model):
        assert not model.objects.filter(history_user_id=editor.pk).exists()
    assert pledge.history.filter(history_user=former).exists()
    assert Membership.history.filter(user=former).exists()
    assert not Membership.history.filter(user_id=editor.pk).exists()
    everything = " ".join(
        str(v) for row in LogEntry.objects.values_list("object_repr", "change_message") for v in row
    )
    assert "leaving@example.org" not in everything and "Ada Leaving" not in everything


def test_an_organisation_whose_only_owner_deletes_the_account_is_listed_for_staff(
    client, organisation, owner
):
    member(organisation, Membership.Role.EDITOR)
    client.force_login(owner)
    page = client.get(reverse("accounts:delete")).content.decode()
    assert "You are the only owner of" in page
    account_delete(user=owner)
    assert organisation in organisations_without_owner()


def test_the_former_member_account_cannot_log_in(client):
    account_delete(user=UserFactory())
    former = User.objects.get(email=FORMER_MEMBER_EMAIL)
    response = client.post(reverse("account_login"), {"login": FORMER_MEMBER_EMAIL, "password": ""})
    assert "_auth_user_id" not in client.session and response.status_code == 200
    with pytest.raises(ValueError):
        account_delete(user=former)
