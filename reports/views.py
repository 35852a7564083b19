"""Public statistics pages: the home page with headline figures."""

from django.core.cache import cache
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from pledges.selectors import pledges_published

from .selectors import headline_figures, pledge_snapshot_rows

HEADLINE_CACHE_SECONDS = 300


def current_headline_figures() -> dict:
    """Headline figures of everything published now, from the same selectors as the annual report.

    Cached for five minutes (``HEADLINE_CACHE_SECONDS``): the home page is the most visited page.
    """
    figures = cache.get("p2c:headline-figures")
    if figures is None:
        figures = headline_figures(pledge_snapshot_rows(cutoff=timezone.now()))
        cache.set("p2c:headline-figures", figures, HEADLINE_CACHE_SECONDS)
    return figures


@require_GET
def home(request):
    """Home: headline figures, the newest published pledges, links to the marketplace."""
    return render(
        request,
        "reports/home.html",
        {"figures": current_headline_figures(), "featured": pledges_published().order_by("-published_at")[:6]},
    )
