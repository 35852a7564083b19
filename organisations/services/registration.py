"""Registering organisations, their profile, and the Secretariat's verification."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from p2c.exceptions import ApplicationError

from ..models import Membership, Organisation
from ._common import Role, V, _lock, _queue, _save, _tasks, unique_organisation_slug

# --- organisations -----------------------------------------------------------------------------------------


@transaction.atomic
def organisation_create(*, created_by, logo: ContentFile | None = None, **fields) -> Organisation:
    """Create an organisation (pending verification) and make ``created_by`` its owner.

    Args:
        created_by: the signed-in user registering it.
        logo: an already validated and re-encoded logo (``organisations.images.clean_logo``), or None.
        fields: name, stakeholder_type, country (or None), website, description.
    Raises:
        django.core.exceptions.ValidationError: a field breaks the model's rules.
    """
    fields.pop("confirm_distinct", None)
    consent_publish = bool(fields.pop("consent_publish", False))
    organisation = Organisation(**fields)
    organisation.publication_consent_given = consent_publish  # recorded by secretariat.signals on save
    organisation.slug = unique_organisation_slug(organisation.name)
    organisation.verification = V.PENDING
    organisation.full_clean(exclude=["logo"])
    if logo is not None:
        organisation.logo.save(logo.name, logo, save=False)
    _save(organisation, created_by, "registered")
    _save(Membership(organisation=organisation, user=created_by, role=Role.OWNER), created_by, "registered")
    return organisation


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, by, logo: ContentFile | None = None, remove_logo: bool = False, **fields
) -> Organisation:
    """Change an organisation's profile (owners). Renaming a verified organisation sends it back to pending
    verification: the Secretariat vouched for the old name, not the new one.

    Args:
        organisation: the organisation to change.
        by: the owner making the change.
        logo: a validated, re-encoded new logo, or None to keep the current one.
        remove_logo: drop the current logo.
        fields: any of name, stakeholder_type, country, website, description.
    Returns: the saved organisation.
    """
    old_logo = organisation.logo.name if organisation.logo else ""
    renamed = "name" in fields and fields["name"] != Organisation.objects.get(pk=organisation.pk).name
    for name, value in fields.items():
        setattr(organisation, name, value)
    if renamed and organisation.verification == V.VERIFIED:
        organisation.verification = V.PENDING
        organisation.verification_reason = ""
    organisation.full_clean(exclude=["logo", "slug"])
    if logo is not None:
        organisation.logo.save(logo.name, logo, save=False)
    elif remove_logo:
        organisation.logo = ""
    _save(organisation, by, "profile changed")
    new_logo = organisation.logo.name if organisation.logo else ""
    if old_logo and old_logo != new_logo:
        storage = organisation.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    return organisation


def _decide(*, organisation, by, to: str, reason: str, allowed_from: tuple) -> Organisation:
    locked = _lock(organisation)
    if locked.verification not in allowed_from:
        raise ApplicationError(
            _("%(name)s is already “%(status)s”.")
            % {"name": locked.name, "status": locked.get_verification_display()}
        )
    locked.verification = to
    locked.verification_reason = reason
    locked.verification_decided_at = timezone.now()
    locked.verification_decided_by = by
    _save(locked, by, f"verification: {to}")
    organisation.refresh_from_db()
    _queue(_tasks().send_verification_email, locked.pk)
    return locked


@transaction.atomic
def organisation_verify(*, organisation: Organisation, by, note: str = "") -> Organisation:
    """The Secretariat verifies an organisation (pending or previously rejected); its owners get an email.

    Raises:
        ApplicationError: it is already verified.
    """
    return _decide(
        organisation=organisation,
        by=by,
        to=V.VERIFIED,
        reason=(note or "").strip(),
        allowed_from=(V.PENDING, V.REJECTED),
    )


@transaction.atomic
def organisation_reject(*, organisation: Organisation, by, reason: str) -> Organisation:
    """The Secretariat rejects an organisation (``reason`` required, shown to its owners by email).

    Raises:
        ApplicationError: no reason given, or it is already rejected.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Please give a reason: the organisation's owners will see it."))
    return _decide(
        organisation=organisation, by=by, to=V.REJECTED, reason=reason, allowed_from=(V.PENDING, V.VERIFIED)
    )
