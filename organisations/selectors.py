"""Reads of organisations and memberships."""

from django.db.models import Q

from .models import Membership, Organisation

PLEDGE_EDITING_ROLES = (Membership.Role.OWNER, Membership.Role.EDITOR)
PROGRESS_REPORTING_ROLES = (Membership.Role.OWNER, Membership.Role.EDITOR, Membership.Role.REPORTER)


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
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, organisation=organisation).values_list("role", flat=True).first()
    )


def organisations_visible_to(user):
    """Verified organisations for everyone; pending ones also for their members and staff."""
    qs = Organisation.objects.select_related("stakeholder_type", "country")
    if getattr(user, "is_staff", False):
        return qs
    condition = Q(verification=Organisation.Verification.VERIFIED)
    if user.is_authenticated:
        condition |= Q(id__in=Membership.objects.filter(user=user).values("organisation_id"))
    return qs.filter(condition)
