"""Permission rules for organisations (django-rules): ``user.has_perm("organisations.<rule>", organisation)``."""

import rules

from .models import Membership


@rules.predicate
def is_owner(user, organisation):
    return (
        bool(organisation)
        and Membership.objects.filter(
            user=user, organisation=organisation, role=Membership.Role.OWNER
        ).exists()
    )


@rules.predicate
def is_member(user, organisation):
    return bool(organisation) and Membership.objects.filter(user=user, organisation=organisation).exists()


@rules.predicate
def can_edit_pledges(user, organisation):
    return (
        bool(organisation)
        and Membership.objects.filter(
            user=user, organisation=organisation, role__in=(Membership.Role.OWNER, Membership.Role.EDITOR)
        ).exists()
    )


rules.add_perm("organisations.view_organisation_workspace", rules.is_authenticated & is_member)
rules.add_perm("organisations.manage_organisation", rules.is_authenticated & is_owner)
rules.add_perm("organisations.create_pledge", rules.is_authenticated & can_edit_pledges)
