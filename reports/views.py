"""Public statistics pages: the home page with headline figures and the dashboard.

Both read the same selectors as the annual report (``reports.selectors``), so the site and the PDF agree.
"""

from decimal import Decimal

from django.core.cache import cache
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from pledges.selectors import pledges_fingerprint, pledges_published, public_fragment, single_flight
from reference.models import CountryGroupMembership, FocusArea

from .selectors import (
    breakdowns,
    headline_figures,
    localized_breakdowns,
    pledge_snapshot_rows,
    reference_names,
)

GAP_GROUPS = ("LDC", "LLDC", "SIDS")
BAR_STEP = 28  # SVG units per bar of the dashboard charts


STATISTICS_KEY = "p2c:statistics"
STATISTICS_LOCK_KEY = "p2c:statistics:lock"
STATISTICS_LOCK_SECONDS = 300  # longer than computing them on 100,000 pledges (about 12 s)


def current_statistics() -> dict:
    """Figures of everything published now: ``{"figures", "breakdowns", "countries", "gaps"}``.

    Computed from ``pledge_snapshot_rows`` (the annual report's own rows, so the site and the PDF agree), which
    takes seconds on 100,000 pledges; so they are kept in the shared cache with the
    ``pledges.selectors.pledges_fingerprint`` they were computed for. When the public data has changed since,
    one request (the one that takes the lock) computes them again while the others keep answering with the
    previous figures, for at most ``STATISTICS_LOCK_SECONDS``; only when there are no figures at all does a
    request wait for them.
    """
    fingerprint = pledges_fingerprint()
    stored = cache.get(STATISTICS_KEY)
    if stored is not None and stored["fingerprint"] == fingerprint:
        return stored["stats"]

    def compute() -> dict:
        rows = pledge_snapshot_rows(cutoff=timezone.now())
        stats = {
            "figures": headline_figures(rows),
            "breakdowns": breakdowns(rows),
            "countries": _pledges_per_country(rows),
            "gaps": _gaps(rows),
        }
        cache.set(STATISTICS_KEY, {"fingerprint": fingerprint, "stats": stats}, None)
        return stats

    if stored is None:  # no figures at all yet: one request computes them, the others wait for it
        return single_flight(f"{STATISTICS_KEY}:first:{fingerprint}", compute, wait_seconds=120)
    if not cache.add(STATISTICS_LOCK_KEY, fingerprint, STATISTICS_LOCK_SECONDS):
        return stored["stats"]  # another request is computing the new figures
    try:
        return compute()
    finally:
        cache.delete(STATISTICS_LOCK_KEY)


def current_headline_figures() -> dict:
    """The headline figures of ``current_statistics``."""
    return current_statistics()["figures"]


def _pledges_per_country(rows) -> list[dict]:
    """[{"iso2", "name", "pledges", "groups": [codes]}] for every beneficiary country, most pledges first."""
    found = {}
    for row in rows:
        for country in row["beneficiary_countries"]:
            entry = found.setdefault(
                country["iso2"],
                {
                    "iso2": country["iso2"],
                    "name": country["name"],
                    "pledges": 0,
                    "groups": country.get("groups", []),
                },
            )
            entry["pledges"] += 1
    return sorted(found.values(), key=lambda e: (-e["pledges"], e["name"]))


def _gaps(rows) -> dict:
    """{group code: [{"iso2", "name", "missing": [focus area slugs]}]}: LDCs, LLDCs and SIDS (membership today)
    with no published pledge naming them in one or more focus areas. (Slugs, not names: the figures are cached
    for every language; the page names them in its own.)"""
    covered = set()
    for row in rows:
        for country in row["beneficiary_countries"]:
            for area in row["focus_areas"]:
                covered.add((country["iso2"], area["slug"]))
    areas = list(FocusArea.objects.all())
    members = (
        CountryGroupMembership.objects.on(timezone.localdate())
        .filter(group__code__in=GAP_GROUPS)
        .select_related("country", "group")
        .order_by("country__name")
    )
    gaps = {code: [] for code in GAP_GROUPS}
    for m in members:
        missing = [a.slug for a in areas if (m.country.iso2, a.slug) not in covered]
        if missing:
            gaps[m.group.code].append(
                {
                    "iso2": m.country.iso2,
                    "name": m.country.name,
                    "missing": missing,
                    "all": len(missing) == len(areas),
                }
            )
    return gaps


def _bars(entries, *, width=320) -> list[dict]:
    """Entries of a breakdown with the bar length (SVG units) for their pledge count."""
    top = max((e["pledges"] for e in entries), default=0) or 1
    return [
        {**e, "bar": round(width * e["pledges"] / top), "value": Decimal(e["value_usd"]), "y": i * BAR_STEP}
        for i, e in enumerate(entries)
    ]


@require_GET
def home(request):
    """Home: headline figures, the newest published pledges, links to the marketplace. Below the greeting
    (which depends on who is looking) the page is the same for all: rendered once per language and cached
    (``pledges.selectors.public_fragment``)."""
    body = public_fragment(
        "home",
        None,
        lambda: render_to_string(
            "reports/includes/_home_body.html",
            {
                "figures": current_headline_figures(),
                "featured": pledges_published().order_by("-published_at")[:6],
            },
            request=request,
        ),
    )
    return render(request, "reports/home.html", {"body": body})


@require_GET
def dashboard(request):
    """Public statistics: headline counters, breakdowns with SVG charts and their tables, pledges per country,
    and the gaps: LDCs, LLDCs and SIDS with no published pledge in a focus area. The same for every visitor:
    rendered once per language and cached until a pledge changes (``pledges.selectors.public_fragment``)."""
    body = public_fragment(
        "dashboard",
        None,
        lambda: render_to_string(
            "reports/includes/_dashboard_body.html", _dashboard_context(), request=request
        ),
    )
    return render(request, "reports/dashboard.html", {"body": body})


def _dashboard_context() -> dict:
    stats = current_statistics()
    b = localized_breakdowns(stats["breakdowns"])
    area_names = reference_names()["focus_areas"]
    gaps = {
        code: [{**row, "missing": [area_names.get(slug, slug) for slug in row["missing"]]} for row in rows]
        for code, rows in stats["gaps"].items()
    }
    charts = [
        ("focus-areas", _("Pledges by focus area"), _bars(b["focus_areas"])),
        ("pledge-types", _("Pledges by pledge type"), _bars(b["pledge_types"])),
        (
            "stakeholder-types",
            _("Pledges by stakeholder type of the pledging entity"),
            _bars(b["stakeholder_types"]),
        ),
        ("regions", _("Pledges by region of implementation"), _bars(b["implementation_regions"])),
    ]
    return {
        "figures": stats["figures"],
        "charts": [(slug, title, entries, len(entries) * BAR_STEP) for slug, title, entries in charts],
        "countries": stats["countries"],
        "gaps": gaps,
    }
