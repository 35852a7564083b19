"""Invitations by email."""

import datetime as dt
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from p2c.exceptions import ApplicationError

from ..models import Invitation, JoinRequest, Membership, Organisation, hash_token
from ._common import Role, V, _lock, _queue, _save, _tasks

# --- invitations -----------------------------------------------------------------------------------------


# Pending invitations an organisation may have at once: {verified?: limit}. Invitations send email to any
# address, so an organisation the Secretariat has not verified gets a small allowance (anti-spam).
MAX_PENDING_INVITATIONS = {False: 20, True: 200}
# Pending requests to join one person may have at once (each emails an organisation's owners).
MAX_PENDING_JOIN_REQUESTS = 5


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _expiry(now):
    return now + dt.timedelta(days=settings.P2C_INVITATION_DAYS)


@transaction.atomic
def invitation_create(*, organisation: Organisation, email: str, role: str, by) -> tuple[Invitation, str]:
    """An owner invites someone by email to join with ``role``; the invitation email carries the token.

    Args:
        email: the invitee's address (need not have an account yet); compared case-insensitively.
        role: owner, editor, reporter or viewer.
    Returns: the invitation and the plain token (only its digest is stored).
    Raises:
        ApplicationError: the address already belongs to a member, or has a pending invitation.
    """
    email = email.strip()
    if role not in Role.values:
        raise ApplicationError(_("Choose one of the roles offered."))
    if (
        Membership.objects.filter(
            organisation=organisation,
            user__in=EmailAddress.objects.filter(email__iexact=email).values("user"),
        ).exists()
        or Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists()
    ):
        raise ApplicationError(_("%(email)s is already a member.") % {"email": email})
    # Lapsed invitations give way to the new one.
    Invitation.objects.filter(
        organisation=organisation,
        email__iexact=email,
        status=Invitation.Status.PENDING,
        expires_at__lte=timezone.now(),
    ).update(status=Invitation.Status.REVOKED)
    if Invitation.objects.filter(
        organisation=organisation, email__iexact=email, status=Invitation.Status.PENDING
    ).exists():
        raise ApplicationError(
            _("%(email)s already has a pending invitation: resend it from the list instead.")
            % {"email": email}
        )
    pending = Invitation.objects.filter(organisation=organisation, status=Invitation.Status.PENDING).count()
    limit = MAX_PENDING_INVITATIONS[organisation.verification == V.VERIFIED]
    if pending >= limit:
        raise ApplicationError(
            _(
                "This organisation has %(n)d invitations waiting for an answer: revoke some before sending more."
            )
            % {"n": pending}
        )
    token = _new_token()
    now = timezone.now()
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=by,
        sent_at=now,
        expires_at=_expiry(now),
    )
    _queue(_tasks().send_invitation_email, invitation.pk, token, translation.get_language() or "")
    return invitation, token


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by) -> str:
    """Send a pending invitation again with a new link (the old one stops working) and a new 14-day term.

    Returns: the new plain token.
    Raises:
        ApplicationError: the invitation was already accepted, declined or revoked.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise ApplicationError(_("This invitation was already answered or revoked."))
    token = _new_token()
    now = timezone.now()
    invitation.token_hash = hash_token(token)
    invitation.sent_at = now
    invitation.expires_at = _expiry(now)
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    _queue(_tasks().send_invitation_email, invitation.pk, token, translation.get_language() or "")
    return token


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by) -> Invitation:
    """An owner withdraws a pending invitation; its link stops working.

    Raises:
        ApplicationError: it was already answered or revoked.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise ApplicationError(_("This invitation was already answered or revoked."))
    invitation.status = Invitation.Status.REVOKED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation whose link carries ``token`` (any status), or None."""
    if not token or len(token) > 100:
        return None
    return Invitation.objects.select_related("organisation").filter(token_hash=hash_token(token)).first()


def user_has_verified_email(user, email: str) -> bool:
    """Whether ``user`` proved they read ``email`` (a verified allauth address, compared case-insensitively)."""
    return EmailAddress.objects.filter(user=user, email__iexact=email.strip(), verified=True).exists()


def _open_invitation(invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status != Invitation.Status.PENDING:
        raise ApplicationError(_("This invitation was already used or withdrawn."))
    if locked.is_expired:
        raise ApplicationError(
            _("This invitation has expired. Ask an owner of the organisation to send it again.")
        )
    return locked


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """The invitee accepts: they become a member with the invited role (an existing member keeps the
    higher of the two roles). The link is used up.

    Raises:
        ApplicationError: used, revoked or expired; or ``user`` has not verified the invited address.
    """
    invitation = _open_invitation(invitation)
    if not user_has_verified_email(user, invitation.email):
        raise ApplicationError(
            _("This invitation was sent to another email address. Sign in with the address it was sent to.")
        )
    _lock(invitation.organisation)
    membership = Membership.objects.filter(organisation=invitation.organisation, user=user).first()
    if membership is None:
        membership = Membership(organisation=invitation.organisation, user=user, role=invitation.role)
        _save(membership, user, "joined by invitation")
    elif Membership.RANK[invitation.role] > Membership.RANK[membership.role]:
        membership.role = invitation.role
        _save(membership, user, "role raised by invitation")
    invitation.status = Invitation.Status.ACCEPTED
    invitation.responded_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["status", "responded_at", "accepted_by"])
    JoinRequest.objects.filter(
        organisation=invitation.organisation, user=user, status=JoinRequest.Status.PENDING
    ).update(status=JoinRequest.Status.WITHDRAWN, decided_at=timezone.now())
    return membership


@transaction.atomic
def invitation_decline(*, invitation: Invitation) -> Invitation:
    """The invitee declines (signed in or not: holding the link is enough to say no). The link is used up.

    Raises:
        ApplicationError: used, revoked or expired.
    """
    invitation = _open_invitation(invitation)
    invitation.status = Invitation.Status.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    return invitation
