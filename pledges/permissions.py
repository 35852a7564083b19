"""Permission rules for pledges (django-rules): ``user.has_perm("pledges.<rule>", pledge)``."""

import rules

from organisations.models import Membership
from organisations.selectors import PLEDGE_EDITING_ROLES, PROGRESS_REPORTING_ROLES

from .models import Pledge, PledgePartner


def _role_in_lead(user, pledge, roles):
    return Membership.objects.filter(
        user=user, organisation_id=pledge.lead_organisation_id, role__in=roles
    ).exists()


@rules.predicate
def is_lead_editor(user, pledge):
    return pledge is not None and _role_in_lead(user, pledge, PLEDGE_EDITING_ROLES)


@rules.predicate
def is_lead_reporter(user, pledge):
    return pledge is not None and _role_in_lead(user, pledge, PROGRESS_REPORTING_ROLES)


@rules.predicate
def is_editable_state(user, pledge):
    return pledge is not None and pledge.status in (Pledge.Status.DRAFT, Pledge.Status.CHANGES_REQUESTED)


@rules.predicate
def is_published(user, pledge):
    return pledge is not None and pledge.status == Pledge.Status.PUBLISHED


@rules.predicate
def is_partner_editor(user, partner: PledgePartner):
    return (
        partner is not None
        and Membership.objects.filter(
            user=user, organisation_id=partner.organisation_id, role__in=PLEDGE_EDITING_ROLES
        ).exists()
    )


rules.add_perm("pledges.edit_pledge", rules.is_authenticated & is_lead_editor & is_editable_state)
rules.add_perm("pledges.submit_pledge", rules.is_authenticated & is_lead_editor & is_editable_state)
rules.add_perm("pledges.report_progress", rules.is_authenticated & is_lead_reporter & is_published)
rules.add_perm("pledges.respond_partnership", rules.is_authenticated & is_partner_editor)
rules.add_perm("pledges.moderate_pledge", rules.is_staff)
