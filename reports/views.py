"""Public statistics pages: the home page with headline figures."""

from django.core.cache import cache
from django.db.models import Count, Max
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from pledges.models import Pledge
from pledges.selectors import pledges_published

from .selectors import headline_figures, pledge_snapshot_rows

HEADLINE_CACHE_SECONDS = 300


def current_headline_figures() -> dict:
    """Headline figures of everything published now, from the same selectors as the annual report.

    Cached for up to five minutes (``HEADLINE_CACHE_SECONDS``) under a key that changes whenever a pledge is
    published or edited, so a new pledge shows at once.
    """
    fingerprint = Pledge.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    key = f"p2c:headline-figures:{fingerprint['n']}:{fingerprint['last'] and fingerprint['last'].timestamp()}"
    figures = cache.get(key)
    if figures is None:
        figures = headline_figures(pledge_snapshot_rows(cutoff=timezone.now()))
        cache.set(key, figures, HEADLINE_CACHE_SECONDS)
    return figures


@require_GET
def home(request):
    """Home: headline figures, the newest published pledges, links to the marketplace."""
    return render(
        request,
        "reports/home.html",
        {
            "figures": current_headline_figures(),
            "featured": pledges_published().order_by("-published_at")[:6],
        },
    )
