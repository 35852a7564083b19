"""sitemap.xml: the marketplace, every public pledge, country and focus area page."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from reference.models import Country, FocusArea

from .models import Pledge


class PledgeSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return Pledge.objects.published().only("public_id", "updated_at").order_by("id")

    def lastmod(self, item):
        return item.updated_at


class PlaceSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return (
            [("pledges:marketplace", ())]
            + [
                ("pledges:country", (c.iso2,))
                for c in Country.objects.filter(pledges__isnull=False).distinct()
            ]
            + [("pledges:focus_area", (f.slug,)) for f in FocusArea.objects.all()]
        )

    def location(self, item):
        return reverse(item[0], args=item[1])


SITEMAPS = {"pledges": PledgeSitemap, "places": PlaceSitemap}
