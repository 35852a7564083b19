"""Atom feeds of newly published pledges: all, per beneficiary country and per focus area."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from reference.models import Country, FocusArea

from .selectors import pledges_published

FEED_SIZE = 50


class NewPledgesFeed(Feed):
    """The 50 most recently published pledges."""

    feed_type = Atom1Feed
    title = _("Partner2Connect: new pledges")
    subtitle = _("Pledges published on the P2C Pledging Platform")

    def link(self, obj=None):
        return reverse("pledges:marketplace")

    def items(self, obj=None):
        return pledges_published().order_by("-published_at", "-id")[:FEED_SIZE]

    def item_title(self, item):
        return f"{item.title} — {item.lead_organisation.name}"

    def item_description(self, item):
        return item.summary or item.description[:500]

    def item_pubdate(self, item):
        return item.published_at

    def item_author_name(self, item):
        return item.lead_organisation.name


class CountryPledgesFeed(NewPledgesFeed):
    """New pledges with a beneficiary country (``/countries/<iso2>/feed/``)."""

    def get_object(self, request, iso2):
        return get_object_or_404(Country, iso2=iso2.upper())

    def title(self, obj):
        return _("Partner2Connect: new pledges in %(country)s") % {"country": obj.name}

    def link(self, obj=None):
        return reverse("pledges:country", args=[obj.iso2])

    def items(self, obj=None):
        return (
            pledges_published().filter(beneficiary_countries=obj).order_by("-published_at", "-id")[:FEED_SIZE]
        )


class FocusAreaPledgesFeed(NewPledgesFeed):
    """New pledges in a focus area (``/focus-areas/<slug>/feed/``)."""

    def get_object(self, request, slug):
        return get_object_or_404(FocusArea, slug=slug)

    def title(self, obj):
        return _("Partner2Connect: new pledges in %(area)s") % {"area": obj.name}

    def link(self, obj=None):
        return reverse("pledges:focus_area", args=[obj.slug])

    def items(self, obj=None):
        return pledges_published().filter(focus_areas=obj).order_by("-published_at", "-id")[:FEED_SIZE]
