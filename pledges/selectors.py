"""Every non-trivial read of pledges: the marketplace, the workspace, scoped lookups."""

from django.db.models import Prefetch, Q

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


def pledge_regions_derived(pledge) -> list:
    """The M49 regions and sub-regions of the pledge's beneficiary countries, plus its whole regions, by name.

    Uses the prefetched countries (with ``region`` and ``sub_region``) and regions: no query of its own.
    """
    regions = {r.pk: r for r in pledge.regions.all()}
    for country in pledge.beneficiary_countries.all():
        for region in (country.region, country.sub_region):
            if region is not None:
                regions[region.pk] = region
    return sorted(regions.values(), key=lambda r: r.name)


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
