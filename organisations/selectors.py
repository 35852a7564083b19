"""Reads of organisations and memberships: scoped lookups, duplicates, the current organisation, figures."""

from difflib import SequenceMatcher

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from .models import Invitation, JoinRequest, Membership, Organisation
from .names import name_acronym, name_key

PLEDGE_EDITING_ROLES = (Membership.Role.OWNER, Membership.Role.EDITOR)
PROGRESS_REPORTING_ROLES = (Membership.Role.OWNER, Membership.Role.EDITOR, Membership.Role.REPORTER)

# Session key of the organisation a member of several is working for (``current_organisation``).
CURRENT_ORGANISATION_SESSION_KEY = "p2c_current_organisation"

# Similarity (difflib ratio, 0–1) from which two normalised names count as a likely duplicate. Tried on the
# demo data: "Organisation"/"Organization" spellings score 0.95+, unrelated ministries below 0.8.
SIMILAR_NAME_RATIO = 0.88


def organisations_of(user, *, roles=None):
    """Organisations in which ``user`` has one of ``roles`` (any role when ``roles`` is None)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    memberships = Membership.objects.filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return Organisation.objects.filter(id__in=memberships.values("organisation_id"))


def role_of(user, organisation) -> str | None:
    """``user``'s role in ``organisation`` ("owner", "editor", "reporter", "viewer") or None."""
    if not user.is_authenticated or organisation is None:
        return None
    return (
        Membership.objects.filter(user=user, organisation=organisation).values_list("role", flat=True).first()
    )


def organisations_visible_to(user):
    """Verified organisations for everyone; pending and rejected ones also for their members and staff."""
    qs = Organisation.objects.select_related("stakeholder_type", "country")
    if getattr(user, "is_staff", False):
        return qs
    condition = Q(verification=Organisation.Verification.VERIFIED)
    if user.is_authenticated:
        condition |= Q(id__in=Membership.objects.filter(user=user).values("organisation_id"))
    return qs.filter(condition)


def organisations_joinable_by(user):
    """Organisations ``user`` may ask to join: verified or pending (not rejected), not already theirs."""
    qs = Organisation.objects.exclude(verification=Organisation.Verification.REJECTED)
    if user.is_authenticated:
        qs = qs.exclude(id__in=Membership.objects.filter(user=user).values("organisation_id"))
    return qs


def organisations_selectable_as_partner(*, lead_organisation):
    """Organisations a pledge may name as partners: every organisation not rejected, except the lead.

    Pending ones are included because a partner may register just before being named; their names are
    shown to the lead's members only in the form (escaped like any other label)."""
    return Organisation.objects.exclude(pk=lead_organisation.pk).exclude(
        verification=Organisation.Verification.REJECTED
    )


def organisation_can_publish(organisation) -> tuple[bool, str]:
    """Whether pledges led by ``organisation`` may be published, and if not, why (translated sentence).

    Rule (issue "Organisations, members and permissions"): pledges of an organisation the Secretariat has not
    verified can be drafted and submitted, not published.
    Returns: ``(True, "")`` for a verified organisation, else ``(False, reason)``.
    """
    if organisation is None:
        return False, _("The pledge has no pledging organisation.")
    if organisation.verification == Organisation.Verification.VERIFIED:
        return True, ""
    if organisation.verification == Organisation.Verification.REJECTED:
        return False, _("%(name)s was rejected by the P2C Secretariat; its pledges cannot be published.") % {
            "name": organisation.name
        }
    return False, _(
        "%(name)s is not verified yet: verify the organisation first (Organisations in the admin)."
    ) % {"name": organisation.name}


def organisation_members(organisation):
    """The memberships of ``organisation``, owners first, with their users."""
    order = {"owner": 0, "editor": 1, "reporter": 2, "viewer": 3}
    members = list(Membership.objects.filter(organisation=organisation).select_related("user"))
    return sorted(members, key=lambda m: (order.get(m.role, 9), m.user.email.lower()))


def invitations_pending_for_organisation(organisation):
    """Invitations of ``organisation`` still waiting for an answer (expired ones included, marked)."""
    return Invitation.objects.filter(
        organisation=organisation, status=Invitation.Status.PENDING
    ).select_related("invited_by")


def join_requests_pending_for_organisation(organisation):
    return JoinRequest.objects.filter(
        organisation=organisation, status=JoinRequest.Status.PENDING
    ).select_related("user")


def invitations_for_user(user):
    """Pending, unexpired invitations addressed to one of ``user``'s verified email addresses."""
    from allauth.account.models import EmailAddress
    from django.utils import timezone

    if not user.is_authenticated:
        return Invitation.objects.none()
    emails = [
        e.lower()
        for e in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    ]
    if not emails:
        return Invitation.objects.none()
    condition = Q()
    for email in emails:
        condition |= Q(email__iexact=email)
    return (
        Invitation.objects.filter(condition, status=Invitation.Status.PENDING, expires_at__gt=timezone.now())
        .exclude(organisation__memberships__user=user)
        .select_related("organisation")
    )


def join_requests_of(user):
    if not user.is_authenticated:
        return JoinRequest.objects.none()
    return JoinRequest.objects.filter(user=user, status=JoinRequest.Status.PENDING).select_related(
        "organisation"
    )


def organisations_without_owner():
    """Organisations that have no owner left (they left, or deleted their accounts): staff appoint one."""
    return Organisation.objects.exclude(memberships__role=Membership.Role.OWNER)


def similar_organisations(name: str, *, limit: int = 5, exclude_pk=None) -> list[Organisation]:
    """Existing organisations whose name is likely the same as ``name``: same normalised key (case, accents,
    punctuation, spaced initials), same acronym ("ITU" vs "International Telecommunication Union (ITU)"),
    or a close spelling (difflib ratio >= ``SIMILAR_NAME_RATIO``). Rejected organisations are left out.

    Args:
        name: the name as typed.
        limit: at most this many, best first.
    Returns: a list of organisations, exact matches first.
    """
    key = name_key(name)
    if not key:
        return []
    compact = key.replace(" ", "")
    acronym = name_acronym(name)
    qs = Organisation.objects.exclude(verification=Organisation.Verification.REJECTED).select_related(
        "stakeholder_type", "country"
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    # Exact: the same key; the typed name is an existing one's acronym ("ITU"); or the typed name's acronym
    # is an existing organisation's whole name ("International Telecommunication Union (ITU)" vs "ITU").
    exact = Q(name_key=key) | Q(name_acronym=compact)
    if acronym:
        exact |= Q(name_key=acronym)
    # Candidates for a close spelling share the start of one of the two longest words of the name ("organi" for
    # "organization" finds "organisation"); at most 300, scored in Python.
    fuzzy = Q(pk__in=[])
    for word in sorted(key.split(), key=len, reverse=True)[:2]:
        if len(word) >= 4:
            fuzzy |= Q(name_key__contains=word[: max(4, len(word) // 2)])
    scored = []
    for org in qs.filter(exact | fuzzy).order_by("-verification", "name")[:300]:
        if org.name_key == key or org.name_acronym == compact or (acronym and org.name_key == acronym):
            scored.append((2.0, org))
        elif org.name_key.replace(" ", "") == compact:
            scored.append((1.5, org))
        else:
            ratio = SequenceMatcher(None, key, org.name_key).ratio()
            if ratio >= SIMILAR_NAME_RATIO:
                scored.append((ratio, org))
    scored.sort(key=lambda pair: (-pair[0], pair[1].name))
    return [org for _, org in scored[:limit]]


def current_organisation(request):
    """The organisation ``request.user`` is working for: the one chosen with the switcher (stored in the
    session) if they are still a member, else their first organisation by name; None without any.

    Cached on the request, so templates and views share one query."""
    if hasattr(request, "_p2c_current_organisation"):
        return request._p2c_current_organisation
    organisation = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        mine = my_organisations(request)
        chosen = request.session.get(CURRENT_ORGANISATION_SESSION_KEY)
        organisation = next((o for o in mine if o.pk == chosen), None) or (mine[0] if mine else None)
    request._p2c_current_organisation = organisation
    return organisation


def my_organisations(request) -> list[Organisation]:
    """``request.user``'s organisations by name, each with ``my_role``; cached on the request."""
    if hasattr(request, "_p2c_my_organisations"):
        return request._p2c_my_organisations
    user = getattr(request, "user", None)
    result = []
    if user is not None and user.is_authenticated:
        for membership in (
            Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")
        ):
            org = membership.organisation
            org.my_role = membership.role
            org.my_role_label = membership.get_role_display()
            result.append(org)
    request._p2c_my_organisations = result
    return result


def organisation_headline_figures(organisation) -> dict:
    """The figures on an organisation's public profile: its public pledges as lead, the public joint pledges
    it is a confirmed partner in, the estimated value of the pledges it leads (USD, the lead's full value
    as DESIGN.md's rule for per-organisation value, unless partners' shares are set) and the number of
    beneficiary countries they name.

    Reads the pledges through the relations the pledges app declares on ``Organisation`` (``led_pledges``,
    ``partnerships``), using its ``published()`` queryset, so this module imports nothing from it.
    Returns: {"led": int, "partnered": int, "value_usd": Decimal | None, "countries": int, "global": bool}.
    """
    led = organisation.led_pledges.model.objects.published().filter(lead_organisation=organisation)
    figures = led.aggregate(
        count=Count("id", distinct=True),
        countries=Count("beneficiary_countries", distinct=True),
        global_count=Count("id", filter=Q(is_global=True), distinct=True),
    )
    value = led.aggregate(total=Sum("value_usd"))["total"]
    partner_model = organisation.partnerships.model
    partnered = (
        partner_model.objects.filter(
            organisation=organisation,
            status="confirmed",
            pledge__in=organisation.led_pledges.model.objects.published(),
        )
        .values("pledge")
        .distinct()
        .count()
    )
    return {
        "led": figures["count"],
        "partnered": partnered,
        "value_usd": value,
        "countries": figures["countries"],
        "global": bool(figures["global_count"]),
    }
