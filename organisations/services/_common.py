"""Helpers shared by the organisation services."""

from django.db import transaction
from django.utils.text import slugify

from ..models import FormerSlug, Membership, Organisation

Role = Membership.Role
V = Organisation.Verification


def _tasks():
    from .. import tasks

    return tasks


def _queue(task, *args) -> None:
    transaction.on_commit(lambda: task.delay(*args))


def _save(instance, by, reason: str = "", **kwargs) -> None:
    """Save with the audit trail's "who" and "why" set (works outside a request too)."""
    instance._history_user = by if getattr(by, "is_authenticated", False) else None
    if reason:
        instance._change_reason = reason[:100]
    instance.save(**kwargs)


def _delete(instance, by, reason: str = "") -> None:
    instance._history_user = by if getattr(by, "is_authenticated", False) else None
    if reason:
        instance._change_reason = reason[:100]
    instance.delete()


def _lock(organisation: Organisation) -> Organisation:
    """Lock the organisation row: membership changes of one organisation happen one at a time, so two owners
    demoting each other at once cannot leave it without an owner."""
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


# Slugs that are paths of their own under /my/organisations/.
RESERVED_SLUGS = frozenset({"new", "switch"})


def unique_organisation_slug(name: str, *, exclude_pk=None) -> str:
    """A URL slug for ``name`` not yet used by any organisation or former address ("internet-society",
    "internet-society-2"). Names without Latin letters get "organisation"."""
    base = slugify(name, allow_unicode=False)[:200] or "organisation"
    slug, n = base, 1
    if slug in RESERVED_SLUGS:
        n, slug = 2, f"{base}-2"
    while (
        Organisation.objects.filter(slug=slug).exclude(pk=exclude_pk).exists()
        or FormerSlug.objects.filter(slug=slug).exists()
    ):
        n += 1
        slug = f"{base}-{n}"
    return slug
