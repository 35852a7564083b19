"""Every non-trivial read of pledges: the marketplace, the workspace, scoped lookups."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Max, Prefetch, Q
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

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


def pledges_fingerprint() -> str:
    """A short text that changes whenever what public pages show of the pledges changes: the key of caches of
    figures computed from them (marketplace pages, pledge pages, home page, dashboard).

    Made of the latest ``updated_at`` and the highest ID of the public pledges (index look-ups, fast on any
    number of pledges; they catch bulk inserts) and the generation that ``pledges.signals`` renews when a public
    pledge, its partners, deliverables, relations or published progress, an organisation or reference data is
    saved or deleted. Drafts and submissions leave it alone, so members at work do not empty the public caches.
    A bulk ``update`` shows once the caches expire (``P2C_FIGURES_CACHE_SECONDS``).
    """
    from .signals import current_generation

    found = Pledge.objects.published().aggregate(last=Max("updated_at"), top=Max("id"))
    return f"{found['top']}:{found['last'] and found['last'].timestamp()}:{current_generation()}"


# Part of every fragment key: raise it when what a fragment's render returns changes shape, so that a new
# release never reads what the previous one cached.
FRAGMENT_FORMAT = 2


def public_fragment(name: str, parts, render, *, fingerprint: str | None = None):
    """What is the same for every visitor of a public page (its HTML, and what its head needs), computed once and
    cached.

    Args:
        name: which fragment ("marketplace", "pledge", "dashboard").
        parts: what else the fragment depends on (the query string, a public ID), any ``repr``-able value.
        render: a callable without arguments returning the HTML (a ``render_to_string`` of a template that shows
            nothing of the person looking: no CSRF token, no menu, no permission-dependent link), or a dict
            of such HTML and plain values. Exceptions (``Http404``) pass through and nothing is cached.
        fingerprint: ``pledges_fingerprint()`` if the caller has it already.
    Returns: what ``render`` returned (HTML marked safe: it is our own rendering). Cached for
        ``P2C_FIGURES_CACHE_SECONDS`` under a key of the name, the active language, ``parts`` and the
        fingerprint, so any saved change shows at once.
    """
    raw = f"{FRAGMENT_FORMAT}|{name}|{get_language()}|{parts!r}|{fingerprint or pledges_fingerprint()}"
    key = f"p2c:fragment:{name}:" + hashlib.sha256(raw.encode()).hexdigest()

    def computed():
        found = render()
        return mark_safe(found) if isinstance(found, str) else found  # noqa: S308 - our own rendering

    return single_flight(key, computed)


def _cache_key_part(value) -> str:
    if hasattr(value, "pk"):
        return str(value.pk)
    if isinstance(value, list | tuple | set) or hasattr(value, "model"):
        return ",".join(sorted(_cache_key_part(v) for v in value))
    return str(value)


def marketplace_page(
    pledge_filter, queryset, *, page_number, per_page: int, sort: str, fingerprint: str | None = None
):
    """One page of the marketplace and the facet counts of everything found.

    The expensive part (counting what the filters and the search find, the IDs of the page and the facets:
    each a scan of the pledges) is cached for ``P2C_FIGURES_CACHE_SECONDS`` under a key made of the filters'
    cleaned values (unknown parameters never reach the key), the sort, the page and ``pledges_fingerprint()``,
    so a new or changed pledge shows at once. The page's pledges themselves are read fresh, by their IDs.

    Args:
        pledge_filter: the bound ``PledgeFilter`` (its form already validated by ``queryset``'s evaluation).
        queryset: ``pledge_filter.qs`` in the chosen order.
        page_number: the ``?page=`` value as given (invalid or too large: the nearest page, as
            ``Paginator.get_page``).
        per_page: pledges per page (10, 20, 50 or 100).
        sort: the chosen order's name (part of the key).
        fingerprint: ``pledges_fingerprint()`` if the caller has it already.
    Returns: ``(page, facets)``: a ``django.core.paginator.Page`` of pledges with the card relations, and
        ``facets.marketplace_facets``'s dict.
    """
    from . import facets

    cleaned = getattr(pledge_filter.form, "cleaned_data", {}) or {}
    state = sorted(
        (name, _cache_key_part(value))
        for name, value in cleaned.items()
        if value not in (None, "", [], False)
    )
    fingerprint = fingerprint or pledges_fingerprint()
    found_key = hashlib.sha256(f"{fingerprint}|{state}".encode()).hexdigest()
    # What the filters found, whatever the page: how many, and the facet counts (the costly part).
    totals = single_flight(
        f"p2c:marketplace:found:{found_key}",
        lambda: {"count": queryset.count(), "facets": facets.marketplace_facets(queryset)},
    )
    paginator = Paginator(queryset, per_page)
    paginator.count = totals["count"]  # cached_property: the count found above
    number = paginator.get_page(page_number).number  # a valid page number, without a query

    def page_ids():
        start = (number - 1) * per_page
        return list(queryset.values_list("id", flat=True)[start : start + per_page])

    ids = single_flight(f"p2c:marketplace:page:{found_key}:{sort}:{per_page}:{number}", page_ids)
    by_id = {p.id: p for p in pledges_published().filter(id__in=ids)}
    page = Page([by_id[i] for i in ids if i in by_id], number, paginator)
    return page, totals["facets"]


def single_flight(key: str, compute, *, timeout: int | None = None, wait_seconds: float = 30.0):
    """``cache.get(key)``, or ``compute()`` stored under ``key`` — by one request at a time: while a request
    computes (it holds ``key + ":lock"``), the others wait for its result (polling every 0.1 s, at most
    ``wait_seconds``) instead of all computing the same thing at once when a popular key expires or the data
    changes. A waiting request that sees no result in time computes it itself.

    Args:
        key: the cache key (the caller includes what the value depends on, e.g. ``pledges_fingerprint()``).
        compute: a callable without arguments returning a picklable value (not None).
        timeout: seconds to keep the value; default ``P2C_FIGURES_CACHE_SECONDS``.
    """
    import time

    value = cache.get(key)
    if value is not None:
        return value
    lock = f"{key}:lock"
    if not cache.add(lock, 1, 120):
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            time.sleep(0.1)
            value = cache.get(key)
            if value is not None:
                return value
    try:
        value = compute()
        cache.set(key, value, settings.P2C_FIGURES_CACHE_SECONDS if timeout is None else timeout)
    finally:
        cache.delete(lock)
    return value


def pledges_visible_to(user):
    """Pledges ``user`` may open: every published pledge, plus the drafts and decisions of the organisations
    they belong to (as lead or invited partner), plus everything for staff allowed to view pledges."""
    qs = Pledge.objects.all()
    if getattr(user, "is_staff", False) and user.has_perm("pledges.view_pledge"):
        return qs
    condition = Q(status__in=Pledge.PUBLIC_STATUSES)
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


def is_member_of_pledge(user, pledge) -> bool:
    """Whether ``user`` belongs to the lead organisation or to a partner organisation of ``pledge``."""
    if not user.is_authenticated:
        return False
    from .permissions import _roles

    org_ids = set(_roles(user))
    if pledge.lead_organisation_id in org_ids:
        return True
    return any(p.organisation_id in org_ids for p in pledge.partners.all())


def pledge_group_flags(pledge, *, on_date=None) -> dict[str, bool]:
    """{"LDC": bool, "LLDC": bool, "SIDS": bool}: whether the pledge targets at least one country of each group,
    by the dated group membership on ``on_date`` (default: today in the reporting time zone)."""
    from django.utils import timezone

    from reference.models import CountryGroupMembership

    on_date = on_date or timezone.localdate()
    country_ids = [c.pk for c in pledge.beneficiary_countries.all()]
    codes = set(
        CountryGroupMembership.objects.on(on_date)
        .filter(country_id__in=country_ids)
        .values_list("group__code", flat=True)
    )
    return {code: code in codes for code in ("LDC", "LLDC", "SIDS")}


def pledge_regions_derived(pledge, *, tags=None) -> list[dict]:
    """The M49 regions and sub-regions of the pledge's beneficiary countries, plus its whole regions
    (``[{"key": M49 code, "name"}]`` by name). Uses the prefetched countries (with ``region`` and ``sub_region``)
    and, when given, the whole regions of ``pledge_tags``: no query of its own then."""
    from reference.names import territory_name

    regions = {
        t["key"]: territory_name(t["key"], t["name"]) for t in (tags or pledge_tags(pledge))["regions"]
    }
    for country in pledge.beneficiary_countries.all():
        for region in (country.region, country.sub_region):
            if region is not None:
                regions[region.m49_code] = region.display_name
    return [{"key": k, "name": v} for k, v in sorted(regions.items(), key=lambda kv: kv[1])]


def _normalised_title(title: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def likely_duplicates(pledge, *, threshold: float = 0.8) -> list:
    """Other pledges of the same lead organisation whose title is close to ``pledge``'s (not rejected).

    Closeness: difflib's ratio of the accent- and case-folded titles ≥ ``threshold`` (0–1), or one title
    containing the other.
    """
    from difflib import SequenceMatcher

    mine = _normalised_title(pledge.title)
    if not mine:
        return []
    others = (
        Pledge.objects.filter(lead_organisation_id=pledge.lead_organisation_id)
        .exclude(pk=pledge.pk)
        .exclude(status__in=(Pledge.Status.REJECTED, Pledge.Status.WITHDRAWN))
        .only("public_id", "title", "status")[:500]
    )
    found = []
    for other in others:
        theirs = _normalised_title(other.title)
        if theirs and (
            mine in theirs or theirs in mine or SequenceMatcher(None, mine, theirs).ratio() >= threshold
        ):
            found.append(other)
    return found


FACET_LABELS_CACHE_KEY = "p2c:facet-labels:v2:{language}"


def facet_labels() -> dict[str, list[tuple[str, str]]]:
    """{facet: [(key, label), ...]} for the marketplace filters, from the reference data, cached for 10 minutes
    (reference data changes rarely; a stale label for 10 minutes is harmless)."""
    from django.core.cache import cache
    from django.utils.translation import get_language

    from reference.models import (
        SDG,
        BeneficiaryGroup,
        Country,
        CountryGroup,
        FocusArea,
        PartnershipNeed,
        Pillar,
        PledgeType,
        Region,
        StakeholderType,
    )

    key = FACET_LABELS_CACHE_KEY.format(language=get_language())
    labels = cache.get(key)
    if labels is None:
        labels = {
            "focus_area": [(o.slug, o.name) for o in FocusArea.objects.all()],
            "pillar": [
                (o.slug, f"{o.focus_area.name} — {o.name}")
                for o in Pillar.objects.select_related("focus_area")
            ],
            "pledge_type": [(o.slug, o.name) for o in PledgeType.objects.all()],
            "stakeholder_type": [(o.slug, o.name) for o in StakeholderType.objects.all()],
            "region": sorted(
                ((o.m49_code, o.display_name) for o in Region.objects.filter(level="region")),
                key=lambda kv: _collation_key(kv[1]),
            ),
            "sub_region": sorted(
                ((o.m49_code, o.display_name) for o in Region.objects.filter(level="sub_region")),
                key=lambda kv: _collation_key(kv[1]),
            ),
            "country": sorted(
                ((o.iso2, o.display_name) for o in Country.objects.all()),
                key=lambda kv: _collation_key(kv[1]),
            ),
            "group": [(o.code, o.name) for o in CountryGroup.objects.all()],
            "sdg": [(str(o.number), str(o)) for o in SDG.objects.all()],
            "beneficiary_group": [(o.slug, o.name) for o in BeneficiaryGroup.objects.all()],
            "need": [(o.slug, o.name) for o in PartnershipNeed.objects.all()],
        }
        labels = {k: [(str(key), str(label)) for key, label in v] for k, v in labels.items()}
        cache.set(key, labels, 600)
    return labels


def _collation_key(name: str) -> str:
    """Sort key that files "Côte d'Ivoire" under C, before "Croatia" (accents ignored, then case)."""
    from .search import fold

    return fold(name)


# Tag relations of a pledge shown on its page: relation -> (related model's lookup name, key field, order field).
TAG_RELATIONS = {
    "focus_areas": ("focusarea", "slug", "order"),
    "pillars": ("pillar", "slug", "order"),
    "pledge_types": ("pledgetype", "slug", "order"),
    "sdgs": ("sdg", "number", "number"),
    "beneficiary_groups": ("beneficiarygroup", "slug", "order"),
    "connectivity_targets": ("connectivitytarget", "slug", "order"),
    "partnership_needs": ("partnershipneed", "slug", "order"),
    "regions": ("region", "m49_code", "id"),
}


def pledge_tags(pledge) -> dict[str, list[dict]]:
    """{relation: [{"key", "name"}, ...]} of ``pledge``'s focus areas, pillars, pledge types, SDGs, beneficiary
    groups, 2030 targets, partnership needs and whole regions, in display order — in one query (a UNION ALL)."""
    from django.db.models import CharField, F, IntegerField, Value
    from django.db.models.functions import Cast, Coalesce, NullIf
    from django.utils.translation import get_language

    language = (get_language() or "en").replace("-", "_")
    parts = []
    for relation, (model, key, order) in TAG_RELATIONS.items():
        through = getattr(Pledge, relation).through.objects.filter(pledge_id=pledge.pk)
        name_column = "name" if relation == "regions" else f"name_{language}"
        parts.append(
            through.annotate(
                kind=Value(relation, output_field=CharField()),
                tag_key=Cast(F(f"{model}__{key}"), CharField()),
                tag_name=Cast(
                    Coalesce(NullIf(F(f"{model}__{name_column}"), Value("")), F(f"{model}__name")),
                    CharField(),
                ),
                tag_order=Cast(F(f"{model}__{order}"), IntegerField()),
            )
            .values_list("kind", "tag_key", "tag_name", "tag_order")
            .order_by()
        )
    tags = {relation: [] for relation in TAG_RELATIONS}
    for kind, key, name, order in parts[0].union(*parts[1:], all=True):
        tags[kind].append({"key": key, "name": f"{key}. {name}" if kind == "sdgs" else name, "order": order})
    for items in tags.values():
        items.sort(key=lambda t: (t["order"] or 0, t["name"]))
    return tags
