"""Template tags through which other apps' pages show pledges (e.g. an organisation's profile)."""

from django import template
from django.db.models import Q

from ..models import PledgePartner
from ..selectors import pledges_published

register = template.Library()


@register.inclusion_tag("pledges/includes/_organisation_pledges.html")
def organisation_pledges(organisation):
    """The published pledges ``organisation`` leads, and those it is a confirmed partner in."""
    pledges = list(
        pledges_published()
        .filter(
            Q(lead_organisation=organisation)
            | Q(partners__organisation=organisation, partners__status=PledgePartner.Status.CONFIRMED)
        )
        .distinct()
        .order_by("-published_at")[:100]
    )
    return {
        "led": [p for p in pledges if p.lead_organisation_id == organisation.pk],
        "partnered": [p for p in pledges if p.lead_organisation_id != organisation.pk],
    }
