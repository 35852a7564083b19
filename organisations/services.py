"""Writes to organisations and memberships."""

from django.db import transaction
from django.utils.text import slugify

from .models import Membership, Organisation


def unique_organisation_slug(name: str) -> str:
    """A URL slug for ``name`` not yet used by any organisation ("internet-society", "internet-society-2")."""
    base = slugify(name, allow_unicode=False)[:200] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organisation_create(*, created_by, **fields) -> Organisation:
    """Create an organisation (pending verification) and make ``created_by`` its owner.

    Args:
        created_by: the signed-in user registering it.
        fields: name, stakeholder_type, country (or None), website, description.
    """
    organisation = Organisation(**fields)
    organisation.slug = unique_organisation_slug(organisation.name)
    organisation.full_clean()
    organisation.save()
    Membership.objects.create(organisation=organisation, user=created_by, role=Membership.Role.OWNER)
    return organisation
