"""The Secretariat's admin: verify / reject with a reason, merge two organisations, appoint an owner, and see
the audit trail (who, when, what changed)."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse

from organisations.models import Membership, Organisation

from ..factories import OrganisationFactory, UserFactory, member, published_pledge

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:organisations_organisation_changelist"


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def _action(client, action, ids, **extra):
    return client.post(reverse(CHANGELIST), {"action": action, ACTION_CHECKBOX_NAME: ids, **extra})


def test_verify_from_the_admin_emails_the_owners(admin_client, django_capture_on_commit_callbacks):
    org = OrganisationFactory(verification=Organisation.Verification.PENDING)
    owner = member(org, Membership.Role.OWNER)
    page = _action(admin_client, "verify", [org.pk])
    assert page.status_code == 200 and "Reason" in page.content.decode()  # the intermediate page
    with django_capture_on_commit_callbacks(execute=True):
        _action(admin_client, "verify", [org.pk], confirm="yes", reason="")
    org.refresh_from_db()
    assert org.verification == Organisation.Verification.VERIFIED
    assert mail.outbox[-1].to == [owner.email]


def test_reject_from_the_admin_needs_a_reason(admin_client):
    org = OrganisationFactory(verification=Organisation.Verification.PENDING)
    response = _action(admin_client, "reject", [org.pk], confirm="yes", reason=" ")
    assert "Please give a reason" in response.content.decode()
    org.refresh_from_db()
    assert org.verification == Organisation.Verification.PENDING
    _action(admin_client, "reject", [org.pk], confirm="yes", reason="Duplicate of an existing ministry.")
    org.refresh_from_db()
    assert org.verification == Organisation.Verification.REJECTED
    assert org.verification_reason == "Duplicate of an existing ministry."


def test_the_admin_shows_why_pledges_cannot_be_published(admin_client):
    org = OrganisationFactory(name="Pending Org", verification=Organisation.Verification.PENDING)
    html = admin_client.get(
        reverse("admin:organisations_organisation_change", args=[org.pk])
    ).content.decode()
    assert "is not verified yet" in html


def test_verification_cannot_be_edited_in_the_form(admin_client):
    org = OrganisationFactory(verification=Organisation.Verification.PENDING)
    html = admin_client.get(
        reverse("admin:organisations_organisation_change", args=[org.pk])
    ).content.decode()
    assert 'name="verification"' not in html


def test_staff_without_the_change_permission_cannot_verify(client):
    viewer = UserFactory(is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_organisation"))
    client.force_login(viewer)
    org = OrganisationFactory(verification=Organisation.Verification.PENDING)
    _action(client, "verify", [org.pk], confirm="yes", reason="")
    org.refresh_from_db()
    assert org.verification == Organisation.Verification.PENDING


def test_merge_from_the_admin(admin_client):
    keep = OrganisationFactory(name="Ministry of ICT")
    dup = OrganisationFactory(name="Ministry of I.C.T.")
    pledge = published_pledge(dup, title="Moved pledge")
    page = _action(admin_client, "merge", [keep.pk, dup.pk])
    assert "Choose the organisation to keep" in page.content.decode()
    _action(admin_client, "merge", [keep.pk, dup.pk], confirm="yes", survivor=keep.pk)
    assert not Organisation.objects.filter(pk=dup.pk).exists()
    pledge.refresh_from_db()
    assert pledge.lead_organisation == keep


def test_merge_needs_exactly_two(admin_client):
    orgs = [OrganisationFactory() for _ in range(3)]
    _action(admin_client, "merge", [o.pk for o in orgs], confirm="yes", survivor=orgs[0].pk)
    assert Organisation.objects.count() == 3


def test_staff_appoint_an_owner_when_none_is_left(admin_client):
    org = OrganisationFactory()
    person = UserFactory(email="new.owner@example.org")
    listing = admin_client.get(reverse(CHANGELIST), {"has_owner": "no"}).content.decode()
    assert org.name in listing
    url = reverse("admin:organisations_organisation_appoint_owner", args=[org.pk])
    response = admin_client.post(url, {"email": "nobody@example.org"})
    assert "No active account" in response.content.decode()
    admin_client.post(url, {"email": "NEW.OWNER@example.org"})
    assert Membership.objects.get(organisation=org, user=person).role == Membership.Role.OWNER


def test_the_audit_trail_shows_who_changed_what(admin_client, staff_user, client):
    org = OrganisationFactory()
    owner = member(org, Membership.Role.OWNER)
    client.force_login(owner)
    client.post(
        reverse("organisations:edit", kwargs={"slug": org.slug}),
        {
            "name": org.name,
            "stakeholder_type": org.stakeholder_type_id,
            "description": "Changed by the owner",
        },
    )
    record = org.history.first()
    assert record.history_user == owner and record.description == "Changed by the owner"
    client.force_login(staff_user)
    html = client.get(reverse("admin:organisations_organisation_history", args=[org.pk])).content.decode()
    assert str(owner) in html and "Changed by the owner" in html
    membership_history = client.get(
        reverse("admin:organisations_membership_history", args=[Membership.objects.get(user=owner).pk])
    )
    assert membership_history.status_code == 200
