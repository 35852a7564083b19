"""Permission rules for organisations (django-rules): ``user.has_perm("organisations.<rule>", obj)``.

Roles (issue "Organisations, members and permissions"): owner — everything, including members and the
profile; editor — pledges and progress; reporter — progress reports only; viewer — reads the organisation's
drafts and decisions. Staff (the P2C Secretariat) act on organisations in the admin.

Templates: ``{% load rules %}{% has_perm "organisations.manage_members" user organisation as can_manage %}``.
Objects are fetched scoped to the user in views (``organisations.selectors``), so these rules decide what a
member may do with what they can already see.
"""

import rules

from .models import Invitation, JoinRequest, Membership, Organisation

Role = Membership.Role


def _organisation_of(obj):
    if isinstance(obj, Organisation):
        return obj
    if isinstance(obj, Membership | Invitation | JoinRequest):
        return obj.organisation
    return None


def _has_role(user, obj, roles) -> bool:
    organisation = _organisation_of(obj)
    if organisation is None or not user.is_authenticated:
        return False
    return Membership.objects.filter(user=user, organisation=organisation, role__in=roles).exists()


@rules.predicate
def is_owner(user, obj):
    return _has_role(user, obj, (Role.OWNER,))


@rules.predicate
def is_editor_or_owner(user, obj):
    return _has_role(user, obj, (Role.OWNER, Role.EDITOR))


@rules.predicate
def is_reporter_or_above(user, obj):
    return _has_role(user, obj, (Role.OWNER, Role.EDITOR, Role.REPORTER))


@rules.predicate
def is_member(user, obj):
    return _has_role(user, obj, Role.values)


@rules.predicate
def is_verified(user, organisation):
    return isinstance(organisation, Organisation) and organisation.is_verified


@rules.predicate
def is_not_rejected(user, organisation):
    return (
        isinstance(organisation, Organisation)
        and organisation.verification != Organisation.Verification.REJECTED
    )


@rules.predicate
def is_own_membership(user, membership):
    return isinstance(membership, Membership) and membership.user_id == user.pk


@rules.predicate
def is_own_join_request(user, join_request):
    return isinstance(join_request, JoinRequest) and join_request.user_id == user.pk


@rules.predicate
def has_pending_join_request(user, organisation):
    return JoinRequest.objects.filter(
        user=user, organisation=organisation, status=JoinRequest.Status.PENDING
    ).exists()


@rules.predicate
def can_change_organisations_in_admin(user):
    """Staff with Django's model permission to change organisations (the Secretariat's moderators)."""
    return user.is_active and user.is_staff and user.has_perm("organisations.change_organisation")


# Public profile: verified organisations for everyone; others for their members and staff.
rules.add_perm("organisations.view_organisation", is_verified | is_member | rules.is_staff)
# The members page (who belongs, with which role): members and staff.
rules.add_perm("organisations.view_members", rules.is_authenticated & (is_member | rules.is_staff))
rules.add_perm("organisations.view_organisation_workspace", rules.is_authenticated & is_member)
# Owners: the profile, the logo, members, invitations, requests to join, ownership.
rules.add_perm("organisations.edit_profile", rules.is_authenticated & is_owner)
rules.add_perm("organisations.manage_members", rules.is_authenticated & is_owner)
rules.add_perm("organisations.manage_organisation", rules.is_authenticated & is_owner)
rules.add_perm("organisations.transfer_ownership", rules.is_authenticated & is_owner)
# Leaving: any member, for their own membership.
rules.add_perm("organisations.leave_organisation", rules.is_authenticated & is_own_membership)
# Asking to join: signed in, not a member yet, no pending request, organisation not rejected.
rules.add_perm(
    "organisations.request_to_join",
    rules.is_authenticated & is_not_rejected & ~is_member & ~has_pending_join_request,
)
rules.add_perm("organisations.withdraw_join_request", rules.is_authenticated & is_own_join_request)
# Pledges and progress of an organisation (the pledges app's rules build on these roles).
rules.add_perm("organisations.create_pledge", rules.is_authenticated & is_editor_or_owner)
rules.add_perm("organisations.report_progress", rules.is_authenticated & is_reporter_or_above)
# The Secretariat: verification, merging, appointing owners (used by the admin's actions and views).
rules.add_perm("organisations.verify_organisation", can_change_organisations_in_admin)
rules.add_perm("organisations.merge_organisations", can_change_organisations_in_admin)
rules.add_perm("organisations.appoint_owner", can_change_organisations_in_admin)
