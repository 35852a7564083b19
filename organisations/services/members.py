"""Members, roles and owners."""

from django.db import transaction
from django.utils.translation import gettext as _

from p2c.exceptions import ApplicationError

from ..models import Membership, Organisation
from ._common import Role, _delete, _lock, _queue, _save, _tasks

# --- members -------------------------------------------------------------------------------------------------


def _owner_count(organisation) -> int:
    return Membership.objects.filter(organisation=organisation, role=Role.OWNER).count()


def _check_keeps_an_owner(membership: Membership, *, new_role: str | None) -> None:
    """Refuse the change when ``membership`` is the organisation's last owner and would stop being one."""
    if (
        membership.role == Role.OWNER
        and new_role != Role.OWNER
        and _owner_count(membership.organisation_id) <= 1
    ):
        raise ApplicationError(
            _("An organisation keeps at least one owner: first make another member an owner.")
        )


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by) -> Membership:
    """An owner changes a member's role (owner, editor, reporter, viewer).

    Raises:
        ApplicationError: unknown role, or the organisation would be left without an owner.
    """
    if role not in Role.values:
        raise ApplicationError(_("Choose one of the roles offered."))
    _lock(membership.organisation)
    membership = Membership.objects.select_related("organisation", "user").get(pk=membership.pk)
    if membership.role == role:
        return membership
    _check_keeps_an_owner(membership, new_role=role)
    membership.role = role
    _save(membership, by, f"role: {role}")
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by) -> None:
    """An owner removes a member (or a member leaves: ``by`` is that member).

    Raises:
        ApplicationError: they are the last owner and other members remain (ownership must be transferred
            first). The last owner who is also the last member may leave; staff can appoint a new owner.
    """
    _lock(membership.organisation)
    membership = Membership.objects.select_related("organisation").get(pk=membership.pk)
    others = Membership.objects.filter(organisation_id=membership.organisation_id).exclude(pk=membership.pk)
    if others.exists():
        _check_keeps_an_owner(membership, new_role=None)
    _delete(membership, by, "left" if by.pk == membership.user_id else "removed")


@transaction.atomic
def ownership_transfer(
    *, organisation: Organisation, by, to: Membership, keep_role: str = Role.EDITOR
) -> None:
    """An owner makes another member owner and takes ``keep_role`` themselves (editor by default).

    Raises:
        ApplicationError: ``by`` is not an owner, ``to`` is not a member of this organisation, or
            ``keep_role`` is not a role.
    """
    _lock(organisation)
    mine = Membership.objects.filter(organisation=organisation, user=by, role=Role.OWNER).first()
    if mine is None:
        raise ApplicationError(_("Only an owner can transfer ownership."))
    if to.organisation_id != organisation.pk or to.pk == mine.pk:
        raise ApplicationError(_("Choose another member of this organisation."))
    if keep_role not in Role.values:
        raise ApplicationError(_("Choose one of the roles offered."))
    to = Membership.objects.get(pk=to.pk)
    to.role = Role.OWNER
    _save(to, by, "ownership transferred to")
    mine.role = keep_role
    _save(mine, by, "ownership transferred from")


@transaction.atomic
def membership_appoint_owner(*, organisation: Organisation, user, by) -> Membership:
    """Staff appoint ``user`` owner of ``organisation`` (e.g. when its owners left or deleted their
    accounts). An existing membership is promoted; otherwise one is created. The new owner gets an email.

    Raises:
        ApplicationError: the account is inactive.
    """
    if not user.is_active:
        raise ApplicationError(_("This account is not active."))
    _lock(organisation)
    membership, created = Membership.objects.get_or_create(
        organisation=organisation, user=user, defaults={"role": Role.OWNER}
    )
    if not created and membership.role != Role.OWNER:
        membership.role = Role.OWNER
    _save(membership, by, "owner appointed by the Secretariat")
    _queue(_tasks().send_owner_appointed_email, membership.pk)
    return membership
