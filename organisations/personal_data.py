"""This app's part in a user's data export and account deletion (``p2c.personal_data``)."""

from allauth.account.models import EmailAddress
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from p2c.personal_data import register_deletion_warning, register_eraser, register_exporter

from .models import Invitation, JoinRequest, Membership


def _iso(value):
    return value.isoformat() if value else None


def export_organisations(user) -> dict:
    """The user's memberships, the invitations addressed to them and their requests to join."""
    emails = list(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) + [user.email]
    addressed = Q()
    for email in emails:
        addressed |= Q(email__iexact=email)
    return {
        "memberships": [
            {
                "organisation": m.organisation.name,
                "slug": m.organisation.slug,
                "role": m.role,
                "since": _iso(m.created_at),
            }
            for m in Membership.objects.filter(user=user).select_related("organisation")
        ],
        "invitations_received": [
            {
                "organisation": i.organisation.name,
                "email": i.email,
                "role": i.role,
                "status": i.status,
                "sent_at": _iso(i.sent_at),
            }
            for i in Invitation.objects.filter(addressed).select_related("organisation")
        ],
        "invitations_sent": [
            {
                "organisation": i.organisation.name,
                "email": i.email,
                "role": i.role,
                "status": i.status,
                "sent_at": _iso(i.sent_at),
            }
            for i in Invitation.objects.filter(invited_by=user).select_related("organisation")
        ],
        "requests_to_join": [
            {
                "organisation": r.organisation.name,
                "message": r.message,
                "status": r.status,
                "created_at": _iso(r.created_at),
            }
            for r in JoinRequest.objects.filter(user=user).select_related("organisation")
        ],
    }


def erase_organisations(user) -> None:
    """Memberships end (recorded in the audit trail as done by "Former member"); invitations addressed to the
    user's addresses go (they hold the address); requests to join go with the account; invitations they sent
    stay, attributed to "Former member". Organisations and their pledges stay with the organisation; one left
    without an owner is listed for staff (``selectors.organisations_without_owner``)."""
    from accounts.services import former_member_user

    ghost = former_member_user()
    for membership in Membership.objects.filter(user=user):
        membership._history_user = ghost
        membership._change_reason = "account deleted"
        membership.delete()
    emails = list(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) + [user.email]
    addressed = Q()
    for email in emails:
        addressed |= Q(email__iexact=email)
    Invitation.objects.filter(addressed).delete()


def warn_sole_owner(user) -> list[str]:
    """One sentence per organisation of which the user is the only owner."""
    owned = (
        Membership.objects.filter(user=user, role=Membership.Role.OWNER)
        .select_related("organisation")
        .annotate(
            owners=Count("organisation__memberships", filter=Q(organisation__memberships__role="owner"))
        )
    )
    return [
        _(
            "You are the only owner of %(name)s. Make another member owner first; otherwise the P2C Secretariat "
            "will appoint a new owner."
        )
        % {"name": m.organisation.name}
        for m in owned
        if m.owners == 1
    ]


register_exporter("organisations", export_organisations)
register_deletion_warning("organisations", warn_sole_owner)
register_eraser("organisations", erase_organisations)
