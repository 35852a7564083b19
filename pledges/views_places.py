"""Public pages by place and theme: who pledges what in a country, and in a focus area or pillar."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from reference.models import Country, CountryGroupMembership, FocusArea, Pillar

from .selectors import pledges_published

PLACE_PAGE_SIZE = 20


@require_GET
def country_detail(request, iso2):
    """Who pledges what in a country, by focus area, with its LDC / LLDC / SIDS status today."""
    country = get_object_or_404(Country.objects.select_related("region", "sub_region"), iso2=iso2.upper())
    pledges = pledges_published().filter(beneficiary_countries=country).order_by("-published_at", "-id")
    recent = list(pledges[:500])
    by_area = []
    for area in FocusArea.objects.all():
        in_area = [p for p in recent if any(a.pk == area.pk for a in p.focus_areas.all())]
        by_area.append({"area": area, "pledges": in_area[:10], "count": len(in_area)})
    groups = (
        CountryGroupMembership.objects.on(timezone.localdate())
        .filter(country=country)
        .select_related("group")
    )
    return render(
        request,
        "pledges/country.html",
        {
            "country": country,
            "groups": [m.group for m in groups],
            "by_area": by_area,
            "total": pledges.count(),
        },
    )


@require_GET
def focus_area_detail(request, slug, pillar=None):
    """The published pledges of a focus area (or one of its pillars), newest first, paginated."""
    area = get_object_or_404(FocusArea.objects.prefetch_related("pillars"), slug=slug)
    pledges = pledges_published().filter(focus_areas=area)
    chosen_pillar = None
    if pillar:
        chosen_pillar = get_object_or_404(Pillar, focus_area=area, slug=pillar)
        pledges = pledges.filter(pillars=chosen_pillar)
    page = Paginator(pledges.order_by("-published_at", "-id"), PLACE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "pledges/focus_area.html", {"area": area, "pillar": chosen_pillar, "page": page})
