"""Requests to join an organisation."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from p2c.exceptions import ApplicationError

from ..models import JoinRequest, Membership, Organisation
from ._common import Role, _lock, _queue, _save, _tasks
from .invitations import MAX_PENDING_JOIN_REQUESTS

# --- requests to join --------------------------------------------------------------------------------------


@transaction.atomic
def join_request_create(*, organisation: Organisation, user, message: str = "") -> JoinRequest:
    """A signed-in person asks to join ``organisation``; its owners get an email.

    Raises:
        ApplicationError: already a member, or a request is already pending.
    """
    if Membership.objects.filter(organisation=organisation, user=user).exists():
        raise ApplicationError(_("You are already a member of this organisation."))
    pending = JoinRequest.objects.filter(user=user, status=JoinRequest.Status.PENDING)
    if pending.filter(organisation=organisation).exists():
        raise ApplicationError(_("Your request to join is already waiting for an owner's answer."))
    if pending.count() >= MAX_PENDING_JOIN_REQUESTS:
        raise ApplicationError(
            _("You have %(n)d requests to join waiting for an answer: withdraw one before asking again.")
            % {"n": MAX_PENDING_JOIN_REQUESTS}
        )
    join_request = JoinRequest.objects.create(
        organisation=organisation, user=user, message=(message or "").strip()
    )
    _queue(_tasks().send_join_request_email, join_request.pk)
    return join_request


def _pending_join_request(join_request) -> JoinRequest:
    locked = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if locked.status != JoinRequest.Status.PENDING:
        raise ApplicationError(_("This request was already answered or withdrawn."))
    return locked


@transaction.atomic
def join_request_approve(*, join_request: JoinRequest, by, role: str = Role.VIEWER) -> Membership:
    """An owner approves a request to join, giving ``role``; the requester gets an email.

    Raises:
        ApplicationError: already answered, or an unknown role.
    """
    if role not in Role.values:
        raise ApplicationError(_("Choose one of the roles offered."))
    join_request = _pending_join_request(join_request)
    _lock(join_request.organisation)
    membership, created = Membership.objects.get_or_create(
        organisation=join_request.organisation, user=join_request.user, defaults={"role": role}
    )
    if created:
        _save(membership, by, "joined on request")
    join_request.status = JoinRequest.Status.APPROVED
    join_request.role = membership.role
    join_request.decided_at = timezone.now()
    join_request.decided_by = by
    join_request.save()
    _queue(_tasks().send_join_decision_email, join_request.pk)
    return membership


@transaction.atomic
def join_request_decline(*, join_request: JoinRequest, by) -> JoinRequest:
    """An owner declines a request to join; the requester gets an email.

    Raises:
        ApplicationError: already answered.
    """
    join_request = _pending_join_request(join_request)
    join_request.status = JoinRequest.Status.DECLINED
    join_request.decided_at = timezone.now()
    join_request.decided_by = by
    join_request.save()
    _queue(_tasks().send_join_decision_email, join_request.pk)
    return join_request


@transaction.atomic
def join_request_withdraw(*, join_request: JoinRequest, user) -> JoinRequest:
    """The requester withdraws their pending request.

    Raises:
        ApplicationError: already answered, or not theirs.
    """
    join_request = _pending_join_request(join_request)
    if join_request.user_id != user.pk:
        raise ApplicationError(_("This request is not yours."))
    join_request.status = JoinRequest.Status.WITHDRAWN
    join_request.decided_at = timezone.now()
    join_request.save()
    return join_request
