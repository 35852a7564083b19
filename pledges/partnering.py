"""Partnerships between organisations: "express interest" messages, replies, abuse reports, problem reports,
and matchmaking (potential partners for a pledge, with the reason shown).

Rate limit: a member may send at most ``INTEREST_LIMIT`` messages per ``INTEREST_WINDOW`` seconds (shared cache,
Redis in production), and one open message per pledge and organisation.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from organisations.models import Membership, Organisation
from p2c.exceptions import ApplicationError

from .models import PartnershipRequest, Pledge, ProblemReport

INTEREST_LIMIT = 5
INTEREST_WINDOW = 3600


def _rate_limited(user) -> bool:
    key = f"p2c:interest-rate:{user.pk}"
    try:
        cache.add(key, 0, INTEREST_WINDOW)
        return cache.incr(key) > INTEREST_LIMIT
    except Exception:  # noqa: BLE001 - the cache being down must not block people
        return False


@transaction.atomic
def partnership_request_send(*, pledge: Pledge, from_organisation: Organisation, by, message: str):
    """Send ``message`` from a member of ``from_organisation`` to the organisation behind a published pledge.

    Raises:
        ApplicationError: the pledge is not public, it is the sender's own, an open message already exists,
            the message is empty, or the sender sent too many messages in the last hour.
    """
    message = (message or "").strip()
    if not message:
        raise ApplicationError(_("Please write a message."))
    if pledge.status not in Pledge.PUBLIC_STATUSES:
        raise ApplicationError(_("This pledge is not published."))
    if from_organisation.pk == pledge.lead_organisation_id:
        raise ApplicationError(_("This is your own organisation's pledge."))
    if not Membership.objects.filter(user=by, organisation=from_organisation).exists():
        raise ApplicationError(_("You are not a member of this organisation."))
    if PartnershipRequest.objects.filter(
        pledge=pledge, from_organisation=from_organisation, status=PartnershipRequest.Status.SENT
    ).exists():
        raise ApplicationError(
            _("Your organisation already has a message waiting for an answer on this pledge.")
        )
    if _rate_limited(by):
        raise ApplicationError(_("You have sent many messages in the last hour. Please try again later."))
    request = PartnershipRequest.objects.create(
        pledge=pledge, from_organisation=from_organisation, sender=by, message=message
    )
    from .tasks import send_partnership_email

    transaction.on_commit(lambda: send_partnership_email.delay(request.pk, "received"))
    return request


@transaction.atomic
def partnership_request_reply(*, request: PartnershipRequest, by, reply: str, accept: bool = True):
    """The pledging organisation answers; an accepting reply shares both people's email addresses.

    Raises:
        ApplicationError: already answered, or an empty reply.
    """
    locked = PartnershipRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != PartnershipRequest.Status.SENT:
        raise ApplicationError(_("This message was already answered."))
    reply = (reply or "").strip()
    if not reply:
        raise ApplicationError(_("Please write a reply."))
    locked.status = PartnershipRequest.Status.REPLIED if accept else PartnershipRequest.Status.DECLINED
    locked.reply, locked.replied_by, locked.replied_at = reply, by, timezone.now()
    locked.save()
    from .tasks import send_partnership_email

    transaction.on_commit(lambda: send_partnership_email.delay(locked.pk, "replied"))
    return locked


@transaction.atomic
def partnership_request_report_abuse(*, request: PartnershipRequest, by) -> PartnershipRequest:
    """The receiving organisation flags a message as abuse; staff see it in the admin's abuse filter."""
    PartnershipRequest.objects.filter(pk=request.pk, abuse_reported_at__isnull=True).update(
        abuse_reported_at=timezone.now()
    )
    request.refresh_from_db()
    return request


def partnership_inbox(user):
    """Messages received by, or sent by, the organisations ``user`` belongs to (newest first)."""
    org_ids = Membership.objects.filter(user=user).values("organisation_id")
    return (
        PartnershipRequest.objects.filter(
            Q(pledge__lead_organisation_id__in=org_ids) | Q(from_organisation_id__in=org_ids)
        )
        .select_related("pledge", "pledge__lead_organisation", "from_organisation", "sender", "replied_by")
        .order_by("-created_at")
    )


@transaction.atomic
def problem_report_create(*, pledge: Pledge, message: str, email: str = "", by=None) -> ProblemReport:
    """Record a problem with a pledge for the Secretariat's queue and tell the Secretariat by email."""
    message = (message or "").strip()
    if not message:
        raise ApplicationError(_("Please say what is wrong."))
    report = ProblemReport.objects.create(
        pledge=pledge, message=message, email=email or "", reporter=by if by and by.is_authenticated else None
    )
    from .tasks import send_problem_report_email

    transaction.on_commit(lambda: send_problem_report_email.delay(report.pk))
    return report


def potential_partners(pledge: Pledge, *, limit: int = 6) -> list[dict]:
    """Published pledges of other organisations that complement ``pledge`` in the same countries or focus areas.

    Complementary: one seeks partners for a need (e.g. funding) that the other's pledge type answers (Financial),
    in either direction. Returns ``[{"pledge": Pledge, "reasons": [str, ...], "score": int}]``, best first.
    The rule: same beneficiary country +3 each (up to 2), same focus area +1 each, a need answered +4; among the
    200 newest published pledges sharing a beneficiary country (a focus area for a pledge naming no country).
    """
    countries = {c.pk for c in pledge.beneficiary_countries.all()}
    areas = {a.pk for a in pledge.focus_areas.all()}
    my_types = {t.pk for t in pledge.pledge_types.all()}
    my_needs = {n.pk: n for n in pledge.partnership_needs.select_related("offered_by_pledge_type")}
    if not countries and not areas:
        return []
    # Candidates: the newest 200 published pledges of other organisations in the same countries (or, for a
    # pledge without countries, the same focus areas), found through an index-friendly subquery (no join of
    # every pledge to its countries and focus areas: that took half a second on 100,000 pledges); scored below.
    others = Pledge.objects.published().exclude(lead_organisation_id=pledge.lead_organisation_id)
    sharing = (
        others.filter(beneficiary_countries__in=countries)
        if countries
        else others.filter(focus_areas__in=areas)
    )
    newest = sharing.order_by("-published_at", "-id").values("id").distinct()[:200]
    candidates = (
        Pledge.objects.filter(id__in=list(newest.values_list("id", flat=True)))
        .select_related("lead_organisation")
        .prefetch_related("beneficiary_countries", "focus_areas", "pledge_types", "partnership_needs")
        .order_by("-published_at", "-id")
    )
    results = []
    for other in candidates:
        reasons, score = [], 0
        shared_countries = [c for c in other.beneficiary_countries.all() if c.pk in countries]
        shared_areas = [a for a in other.focus_areas.all() if a.pk in areas]
        for need in my_needs.values():
            if need.offered_by_pledge_type_id and need.offered_by_pledge_type_id in {
                t.pk for t in other.pledge_types.all()
            }:
                reasons.append(
                    _("offers %(type)s support, which this pledge seeks (%(need)s)")
                    % {"type": need.offered_by_pledge_type.name, "need": need.name}
                )
                score += 4
        for need in other.partnership_needs.all():
            if need.offered_by_pledge_type_id in my_types:
                reasons.append(_("seeks %(need)s, which this pledge offers") % {"need": need.name})
                score += 4
        if shared_countries:
            reasons.append(
                _("also works in %(countries)s")
                % {"countries": ", ".join(c.name for c in shared_countries[:3])}
            )
            score += 3 * min(len(shared_countries), 2)
        if shared_areas:
            reasons.append(
                _("same focus area: %(areas)s") % {"areas": ", ".join(a.name for a in shared_areas)}
            )
            score += len(shared_areas)
        if score >= 4:
            results.append({"pledge": other, "reasons": reasons, "score": score})
    results.sort(key=lambda r: (-r["score"], -r["pledge"].pk))
    return results[:limit]


def potential_partners_cached(pledge: Pledge) -> list[dict]:
    """``potential_partners`` kept for 10 minutes in the shared cache (the pledge page is read often).

    Returns ``[{"public_id", "title", "organisation", "reasons"}]`` (plain data, safe to cache).
    """
    key = f"p2c:partners-for:{pledge.pk}:{pledge.updated_at.timestamp() if pledge.updated_at else 0}"
    found = cache.get(key)
    if found is None:
        found = [
            {
                "public_id": r["pledge"].public_id,
                "title": r["pledge"].title,
                "organisation": r["pledge"].lead_organisation.name,
                "reasons": [str(reason) for reason in r["reasons"]],
            }
            for r in potential_partners(pledge)
        ]
        cache.set(key, found, 600)
    return found


def unmatched_needs():
    """Published pledges seeking partners for which ``potential_partners`` finds no complementary pledge."""
    seeking = Pledge.objects.published().filter(seeking_partners=True).select_related("lead_organisation")
    return [p for p in seeking[:500] if not potential_partners(p, limit=1)]
