"""Permission rules for pledges (django-rules): ``user.has_perm("pledges.<rule>", pledge)``.

Cheap checks on the pledge's state come before the membership lookup, and a user's roles are read once per
user object (``_roles``), so a page asking several rules costs one query.
"""

import rules

from organisations.models import Membership
from organisations.selectors import PLEDGE_EDITING_ROLES, PROGRESS_REPORTING_ROLES

from .models import Pledge, PledgePartner


def _roles(user) -> dict[int, str]:
    """{organisation id: role} of ``user``, cached on the user object for the request."""
    cache = user.__dict__.get("_p2c_roles")
    if cache is None:
        cache = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
        user.__dict__["_p2c_roles"] = cache
    return cache


def _role_in(user, organisation_id, roles) -> bool:
    return user.is_authenticated and _roles(user).get(organisation_id) in roles


@rules.predicate
def is_lead_editor(user, pledge):
    return pledge is not None and _role_in(user, pledge.lead_organisation_id, PLEDGE_EDITING_ROLES)


@rules.predicate
def is_lead_reporter(user, pledge):
    return pledge is not None and _role_in(user, pledge.lead_organisation_id, PROGRESS_REPORTING_ROLES)


@rules.predicate
def is_editable_state(user, pledge):
    return pledge is not None and pledge.status in (Pledge.Status.DRAFT, Pledge.Status.CHANGES_REQUESTED)


@rules.predicate
def is_published(user, pledge):
    return pledge is not None and pledge.status == Pledge.Status.PUBLISHED


@rules.predicate
def is_partner_editor(user, partner: PledgePartner):
    return partner is not None and _role_in(user, partner.organisation_id, PLEDGE_EDITING_ROLES)


rules.add_perm("pledges.edit_pledge", rules.is_authenticated & is_editable_state & is_lead_editor)
rules.add_perm("pledges.submit_pledge", rules.is_authenticated & is_editable_state & is_lead_editor)
rules.add_perm("pledges.revise_pledge", rules.is_authenticated & is_published & is_lead_editor)
rules.add_perm("pledges.withdraw_pledge", rules.is_authenticated & is_published & is_lead_editor)
rules.add_perm("pledges.report_progress", rules.is_authenticated & is_published & is_lead_reporter)
rules.add_perm("pledges.respond_partnership", rules.is_authenticated & is_partner_editor)
rules.add_perm("pledges.moderate_pledge", rules.is_staff)
