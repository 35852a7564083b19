"""Every non-trivial read of pledges: the marketplace, the workspace, scoped lookups."""

from django.db.models import Prefetch, Q

from organisations.models import Membership
from organisations.selectors import PLEDGE_EDITING_ROLES

from .models import Pledge, PledgePartner, PledgeTransition


def _with_card_relations(qs):
    return qs.select_related(
        "lead_organisation",
        "lead_organisation__stakeholder_type",
        "lead_organisation__country",
        "value_currency",
    ).prefetch_related(
        "focus_areas",
        "pledge_types",
        "beneficiary_countries",
        Prefetch(
            "partners",
            queryset=PledgePartner.objects.select_related("organisation").order_by("organisation__name"),
        ),
    )


def pledges_published():
    """Published pledges, with what a marketplace card shows (constant query count per page)."""
    return _with_card_relations(Pledge.objects.published())


def pledges_visible_to(user):
    """Pledges ``user`` may open: every published pledge, plus the drafts and decisions of the organisations
    they belong to (as lead or invited partner), plus everything for staff."""
    qs = Pledge.objects.all()
    if getattr(user, "is_staff", False):
        return qs
    condition = Q(status=Pledge.Status.PUBLISHED)
    if user.is_authenticated:
        org_ids = Membership.objects.filter(user=user).values("organisation_id")
        condition |= Q(lead_organisation_id__in=org_ids) | Q(partners__organisation_id__in=org_ids)
    return qs.filter(condition).distinct()


def pledges_editable_by(user):
    """Pledges ``user`` may edit: those led by an organisation where they are owner or editor."""
    if not user.is_authenticated:
        return Pledge.objects.none()
    org_ids = Membership.objects.filter(user=user, role__in=PLEDGE_EDITING_ROLES).values("organisation_id")
    return Pledge.objects.filter(lead_organisation_id__in=org_ids)


def workspace_pledges(user):
    """The pledges of ``user``'s organisations for the workspace, newest first, with their last decision."""
    org_ids = Membership.objects.filter(user=user).values("organisation_id")
    return (
        Pledge.objects.filter(lead_organisation_id__in=org_ids)
        .select_related("lead_organisation")
        .prefetch_related(
            Prefetch(
                "transitions",
                queryset=PledgeTransition.objects.order_by("-at", "-id"),
                to_attr="transitions_newest_first",
            )
        )
        .order_by("-updated_at")
    )


def partner_invitations_for(user):
    """Partner rows waiting for an answer from an organisation where ``user`` is owner or editor."""
    org_ids = Membership.objects.filter(user=user, role__in=PLEDGE_EDITING_ROLES).values("organisation_id")
    return (
        PledgePartner.objects.filter(organisation_id__in=org_ids, status=PledgePartner.Status.INVITED)
        .exclude(pledge__status=Pledge.Status.REJECTED)
        .select_related("pledge", "pledge__lead_organisation", "organisation")
    )
