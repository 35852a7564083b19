"""Template tags of the progress app for pages of other apps: the progress timeline and health of a pledge,
the follow button, and an organisation's progress figures."""

from django import template
from django.db.models import Count, Q

from pledges.models import Pledge

from .. import selectors
from ..health import Health
from ..models import PledgeFollow

register = template.Library()


@register.inclusion_tag("progress/includes/_timeline.html")
def progress_timeline(pledge):
    """The pledge's health (public pledges) and its published progress reports, newest first, with their
    deliverable figures and public evidence files. Unpublished reports never show here."""
    if pledge.status not in Pledge.PUBLIC_STATUSES:
        return {"pledge": pledge, "reports": [], "health": None}
    reports = list(selectors.timeline_reports(pledge=pledge))
    return {
        "pledge": pledge,
        "reports": reports,
        # The newest published report is the first of the timeline: no second query for it.
        "health": selectors.pledge_health(pledge=pledge, latest_report=reports[0] if reports else None),
    }


@register.inclusion_tag("progress/includes/_follow_button.html", takes_context=True)
def follow_button(context, pledge):
    """A button to follow or unfollow a public pledge (a POST form); for visitors, a link to log in."""
    request = context.get("request")
    user = getattr(request, "user", None)
    is_public = pledge.status in Pledge.PUBLIC_STATUSES
    counts = {"followers": 0, "mine": 0}
    if is_public:  # one query: how many follow it, and whether this person does
        mine = Q(user=user) if user is not None and user.is_authenticated else Q(user__isnull=True)
        counts = PledgeFollow.objects.filter(pledge=pledge).aggregate(
            followers=Count("pk"), mine=Count("pk", filter=mine)
        )
    return {
        "pledge": pledge,
        "request": request,
        "can_follow": user is not None and user.has_perm("progress.follow_pledge", pledge),
        "is_public": is_public,
        "following": bool(counts["mine"]),
        "followers": counts["followers"],
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("progress/includes/_organisation_progress.html")
def organisation_progress(organisation):
    """An organisation's progress figures (``selectors.organisation_progress_figures``): health of its public
    pledges and its reporting rate for the latest period."""
    figures = selectors.organisation_progress_figures(organisation=organisation)
    statuses = [
        {**row, "label": Health.LABELS[row["status"]]}
        for row in figures["health"]["statuses"]
        if row["pledges"]
    ]
    return {"figures": figures, "statuses": statuses}


@register.filter
def health_label(status: str) -> str:
    """The translated label of a health status code."""
    return str(Health.LABELS.get(status, status))
