"""The progress timeline shown on a pledge's page."""

from django import template

from ..models import ProgressReport

register = template.Library()


@register.inclusion_tag("progress/includes/_timeline.html")
def progress_timeline(pledge):
    """The pledge's progress reports, newest first."""
    return {"reports": ProgressReport.objects.filter(pledge=pledge).order_by("-created_at", "-id")[:50]}
