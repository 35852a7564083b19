"""Organisation services: verification, owners, invitations, requests to join, merging."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from organisations import services
from organisations.models import FormerSlug, Invitation, JoinRequest, Membership, Organisation
from organisations.selectors import organisation_can_publish, organisations_without_owner
from p2c.exceptions import ApplicationError
from pledges.models import Pledge, PledgePartner
from reference.models import StakeholderType

from ..factories import OrganisationFactory, PledgeFactory, UserFactory, member, published_pledge

pytestmark = pytest.mark.django_db
Role = Membership.Role


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (the emails) as the real commit would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


# --- registration and verification ---


def test_a_new_organisation_is_pending_and_its_creator_is_owner():
    user = UserFactory()
    org = services.organisation_create(
        created_by=user,
        name="Ministry of ICT",
        stakeholder_type=StakeholderType.objects.get(slug="government"),
    )
    assert org.verification == Organisation.Verification.PENDING
    assert Membership.objects.get(organisation=org, user=user).role == Role.OWNER
    assert org.history.first().history_user == user


def test_pledges_of_an_unverified_organisation_cannot_be_published():
    pending = OrganisationFactory(verification=Organisation.Verification.PENDING)
    ok, reason = organisation_can_publish(pending)
    assert not ok and pending.name in reason and "not verified" in reason
    rejected = OrganisationFactory(verification=Organisation.Verification.REJECTED)
    assert organisation_can_publish(rejected)[0] is False
    assert organisation_can_publish(OrganisationFactory()) == (True, "")


def test_verification_emails_the_owners_and_records_who(on_commit, staff_user):
    org = OrganisationFactory(verification=Organisation.Verification.PENDING)
    owner = member(org, Role.OWNER)
    member(org, Role.EDITOR)
    on_commit(services.organisation_verify, organisation=org, by=staff_user, note="Checked the registry.")
    org.refresh_from_db()
    assert org.verification == Organisation.Verification.VERIFIED
    assert org.verification_decided_by == staff_user
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert "Checked the registry." in mail.outbox[0].body
    assert org.history.first().history_user == staff_user


def test_rejection_needs_a_reason_which_the_owners_receive(on_commit, staff_user):
    org = OrganisationFactory(verification=Organisation.Verification.PENDING)
    member(org, Role.OWNER)
    with pytest.raises(ApplicationError):
        services.organisation_reject(organisation=org, by=staff_user, reason="  ")
    on_commit(services.organisation_reject, organisation=org, by=staff_user, reason="Not a legal entity.")
    org.refresh_from_db()
    assert org.verification == Organisation.Verification.REJECTED
    assert "Not a legal entity." in mail.outbox[0].body
    with pytest.raises(ApplicationError):
        services.organisation_reject(organisation=org, by=staff_user, reason="again")


def test_renaming_a_verified_organisation_sends_it_back_to_verification():
    org = OrganisationFactory(name="Ministry of ICT")
    owner = member(org, Role.OWNER)
    services.organisation_update(organisation=org, by=owner, description="New description")
    assert org.verification == Organisation.Verification.VERIFIED
    services.organisation_update(organisation=org, by=owner, name="World Bank")
    org.refresh_from_db()
    assert org.verification == Organisation.Verification.PENDING


# --- owners ---


def test_the_last_owner_cannot_be_demoted_or_removed_while_others_remain(organisation, owner):
    editor = member(organisation, Role.EDITOR)
    mine = Membership.objects.get(user=owner)
    with pytest.raises(ApplicationError, match="at least one owner"):
        services.membership_change_role(membership=mine, role=Role.EDITOR, by=owner)
    with pytest.raises(ApplicationError, match="at least one owner"):
        services.membership_remove(membership=mine, by=owner)
    services.membership_change_role(membership=Membership.objects.get(user=editor), role=Role.OWNER, by=owner)
    services.membership_change_role(membership=mine, role=Role.VIEWER, by=owner)
    assert Membership.objects.get(user=owner).role == Role.VIEWER


def test_the_only_member_may_leave_and_staff_then_appoint_an_owner(
    on_commit, organisation, owner, staff_user
):
    services.membership_remove(membership=Membership.objects.get(user=owner), by=owner)
    assert organisation in organisations_without_owner()
    newcomer = UserFactory()
    on_commit(services.membership_appoint_owner, organisation=organisation, user=newcomer, by=staff_user)
    assert Membership.objects.get(organisation=organisation, user=newcomer).role == Role.OWNER
    assert organisation not in organisations_without_owner()
    assert mail.outbox[-1].to == [newcomer.email]


def test_ownership_transfer_swaps_roles(organisation, owner):
    editor = member(organisation, Role.EDITOR)
    services.ownership_transfer(
        organisation=organisation, by=owner, to=Membership.objects.get(user=editor), keep_role=Role.REPORTER
    )
    assert Membership.objects.get(user=editor).role == Role.OWNER
    assert Membership.objects.get(user=owner).role == Role.REPORTER


def test_only_an_owner_can_transfer_ownership(organisation, owner):
    editor = member(organisation, Role.EDITOR)
    with pytest.raises(ApplicationError):
        services.ownership_transfer(
            organisation=organisation, by=editor, to=Membership.objects.get(user=owner)
        )


# --- invitations ---


def test_invitation_stores_only_a_hash_of_the_token_and_emails_the_link(on_commit, organisation, owner):
    invitation, token = on_commit(
        services.invitation_create,
        organisation=organisation,
        email="new@example.org",
        role=Role.EDITOR,
        by=owner,
    )
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    assert mail.outbox[0].to == ["new@example.org"]
    assert f"/invitations/{token}/" in mail.outbox[0].body
    assert invitation.expires_at - invitation.sent_at == dt.timedelta(days=14)


def test_accepting_needs_the_invited_verified_address_and_works_once(organisation, owner):
    invitation, token = services.invitation_create(
        organisation=organisation, email="New@Example.org", role=Role.EDITOR, by=owner
    )
    stranger = UserFactory(email="someone.else@example.org")
    with pytest.raises(ApplicationError, match="another email address"):
        services.invitation_accept(invitation=invitation, user=stranger)
    invitee = UserFactory(email="new@example.org")
    membership = services.invitation_accept(invitation=services.invitation_for_token(token), user=invitee)
    assert membership.role == Role.EDITOR
    with pytest.raises(ApplicationError, match="already used"):
        services.invitation_accept(invitation=invitation, user=invitee)
    with pytest.raises(ApplicationError):
        services.invitation_decline(invitation=invitation)


def test_an_expired_invitation_cannot_be_accepted_but_a_resent_one_can(organisation, owner):
    invitation, old_token = services.invitation_create(
        organisation=organisation, email="late@example.org", role=Role.VIEWER, by=owner
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    invitee = UserFactory(email="late@example.org")
    with pytest.raises(ApplicationError, match="expired"):
        services.invitation_accept(invitation=services.invitation_for_token(old_token), user=invitee)
    new_token = services.invitation_resend(invitation=invitation, by=owner)
    assert services.invitation_for_token(old_token) is None
    services.invitation_accept(invitation=services.invitation_for_token(new_token), user=invitee)
    assert Membership.objects.filter(organisation=organisation, user=invitee).exists()


def test_a_revoked_invitation_cannot_be_accepted(organisation, owner):
    invitation, token = services.invitation_create(
        organisation=organisation, email="x@example.org", role=Role.VIEWER, by=owner
    )
    services.invitation_revoke(invitation=invitation, by=owner)
    with pytest.raises(ApplicationError):
        services.invitation_accept(invitation=invitation, user=UserFactory(email="x@example.org"))


def test_inviting_a_member_or_inviting_twice_is_refused(organisation, owner):
    with pytest.raises(ApplicationError, match="already a member"):
        services.invitation_create(
            organisation=organisation, email=owner.email.upper(), role="viewer", by=owner
        )
    services.invitation_create(organisation=organisation, email="a@example.org", role="viewer", by=owner)
    with pytest.raises(ApplicationError, match="pending invitation"):
        services.invitation_create(organisation=organisation, email="A@example.org", role="viewer", by=owner)


def test_accepting_never_lowers_an_existing_role(organisation, owner):
    invitation, _ = services.invitation_create(
        organisation=organisation, email="b@example.org", role="viewer", by=owner
    )
    user = UserFactory(email="b@example.org")
    Membership.objects.create(organisation=organisation, user=user, role=Role.EDITOR)
    services.invitation_accept(invitation=invitation, user=user)
    assert Membership.objects.get(user=user).role == Role.EDITOR


# --- requests to join ---


def test_join_request_is_approved_by_an_owner_with_a_role(on_commit, organisation, owner):
    requester = UserFactory()
    join_request = on_commit(
        services.join_request_create, organisation=organisation, user=requester, message="Hi"
    )
    assert mail.outbox[-1].to == [owner.email]
    with pytest.raises(ApplicationError):
        services.join_request_create(organisation=organisation, user=requester)
    on_commit(services.join_request_approve, join_request=join_request, by=owner, role=Role.REPORTER)
    assert Membership.objects.get(user=requester).role == Role.REPORTER
    assert mail.outbox[-1].to == [requester.email]
    with pytest.raises(ApplicationError):
        services.join_request_decline(join_request=join_request, by=owner)


def test_join_request_decline_and_withdraw(organisation, owner):
    requester = UserFactory()
    jr = services.join_request_create(organisation=organisation, user=requester)
    services.join_request_decline(join_request=jr, by=owner)
    assert not Membership.objects.filter(user=requester).exists()
    jr2 = services.join_request_create(organisation=organisation, user=requester)
    with pytest.raises(ApplicationError):
        services.join_request_withdraw(join_request=jr2, user=owner)
    services.join_request_withdraw(join_request=jr2, user=requester)
    assert JoinRequest.objects.get(pk=jr2.pk).status == JoinRequest.Status.WITHDRAWN


# --- merging ---


def test_merge_moves_pledges_members_partners_and_history(staff_user):
    survivor = OrganisationFactory(name="Ministry of ICT", description="")
    duplicate = OrganisationFactory(name="Ministry of I.C.T.", description="From the duplicate")
    other = OrganisationFactory(name="Other")
    both = UserFactory()
    Membership.objects.create(organisation=survivor, user=both, role=Role.VIEWER)
    Membership.objects.create(organisation=duplicate, user=both, role=Role.OWNER)
    only_dup = member(duplicate, Role.EDITOR)
    led = published_pledge(duplicate, title="Led by the duplicate")
    draft = PledgeFactory(lead_organisation=duplicate)
    # A joint pledge of a third organisation with both as partners (unique constraint clash).
    joint = published_pledge(other, title="Joint", partners=[survivor, duplicate])
    # The duplicate is partner in the survivor's own pledge: after the merge that would be a self-partnership.
    own = published_pledge(survivor, title="Survivor's own", partners=[duplicate])
    duplicate_history = duplicate.history.count()

    services.organisation_merge(survivor=survivor, merged=duplicate, by=staff_user)

    assert not Organisation.objects.filter(pk=duplicate.pk).exists()
    assert set(Pledge.objects.filter(lead_organisation=survivor)) == {led, draft, own}
    assert Membership.objects.get(organisation=survivor, user=both).role == Role.OWNER  # the higher role wins
    assert Membership.objects.get(organisation=survivor, user=only_dup).role == Role.EDITOR
    assert PledgePartner.objects.filter(pledge=joint, organisation=survivor).count() == 1
    assert not PledgePartner.objects.filter(pledge=own).exists()
    survivor.refresh_from_db()
    assert survivor.description == "From the duplicate"
    assert survivor.history.count() >= duplicate_history + 1
    assert FormerSlug.objects.get(slug=duplicate.slug).organisation == survivor


def test_merging_an_organisation_with_itself_is_refused(organisation, staff_user):
    with pytest.raises(ApplicationError):
        services.organisation_merge(survivor=organisation, merged=organisation, by=staff_user)


def test_an_unverified_organisation_can_only_have_a_few_pending_invitations(organisation, owner):
    organisation.verification = Organisation.Verification.PENDING
    organisation.save()
    for i in range(services.MAX_PENDING_INVITATIONS[False]):
        services.invitation_create(
            organisation=organisation, email=f"p{i}@example.org", role="viewer", by=owner
        )
    with pytest.raises(ApplicationError, match="revoke some"):
        services.invitation_create(
            organisation=organisation, email="one.more@example.org", role="viewer", by=owner
        )


def test_a_person_can_only_have_a_few_pending_requests_to_join():
    requester = UserFactory()
    for _ in range(services.MAX_PENDING_JOIN_REQUESTS):
        services.join_request_create(organisation=OrganisationFactory(), user=requester)
    with pytest.raises(ApplicationError, match="withdraw one"):
        services.join_request_create(organisation=OrganisationFactory(), user=requester)
