"""Merging two organisations (staff)."""

from dataclasses import dataclass

from django.db import models, transaction
from django.utils.translation import gettext as _

from p2c.exceptions import ApplicationError

from ..models import FormerSlug, Organisation
from ._common import _delete, _lock, _save

# --- merging -----------------------------------------------------------------------------------------------


def _is_historical(model) -> bool:
    return any(f.name == "history_id" for f in model._meta.concrete_fields)


def _reverse_foreign_keys(model):
    """(related model, foreign key field) for every foreign key anywhere in the project that points at
    ``model``, hidden ones (audit trail, automatic many-to-many tables) included."""
    for rel in model._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one):
            yield rel.related_model, rel.field


def _unique_sets(model, field_name):
    """The unique constraints of ``model`` that include ``field_name``: (field names, condition or None)."""
    for fields in model._meta.unique_together:
        if field_name in fields:
            yield tuple(fields), None
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and field_name in (constraint.fields or ()):
            yield tuple(constraint.fields), constraint.condition


def _rank(row) -> int:
    rank = getattr(row, "merge_rank", None)
    return rank() if callable(rank) else 0


def _move_rows(model, field, *, survivor, merged, by, reason) -> None:
    manager = model._base_manager
    if _is_historical(model):
        manager.filter(**{field.attname: merged.pk}).update(**{field.attname: survivor.pk})
        return
    for row in list(manager.filter(**{field.attname: merged.pk})):
        keep_row = True
        for names, condition in _unique_sets(model, field.name):
            others = {n: getattr(row, model._meta.get_field(n).attname) for n in names if n != field.name}
            if any(v is None for v in others.values()):
                continue  # NULLs never clash
            clashes = manager.filter(
                **{field.attname: survivor.pk},
                **{model._meta.get_field(n).attname: v for n, v in others.items()},
            )
            if condition is not None:
                if not manager.filter(condition, pk=row.pk).exists():
                    continue
                clashes = clashes.filter(condition)
            clash = clashes.first()
            if clash is None:
                continue
            if _rank(row) > _rank(clash):
                _delete(clash, by, reason)
            else:
                _delete(row, by, reason)
                keep_row = False
                break
        if keep_row:
            setattr(row, field.attname, survivor.pk)
            _save(row, by, reason, update_fields=[field.name])


def _remove_self_links(model, field, *, survivor, by, reason) -> None:
    """Delete rows that, after the merge, tie the survivor to itself: a partner row on the survivor's own
    pledge (``row.pledge.lead_organisation == row.organisation``), or a row whose two organisation keys
    are now equal."""
    if _is_historical(model):
        return
    target = field.related_model
    for other in model._meta.concrete_fields:
        if not other.is_relation or other is field or other.related_model is None:
            continue
        paths = []
        if other.related_model is target:
            paths.append(other.name)
        elif other.related_model is not model:
            for hop in other.related_model._meta.concrete_fields:
                if hop.is_relation and hop.related_model is target:
                    paths.append(f"{other.name}__{hop.name}")
        for path in paths:
            for row in model._base_manager.filter(**{field.name: survivor, path: survivor}):
                _delete(row, by, reason)


@dataclass
class MergeResult:
    survivor: Organisation
    merged_name: str
    merged_slug: str


@transaction.atomic
def organisation_merge(*, survivor: Organisation, merged: Organisation, by) -> MergeResult:
    """Merge ``merged`` into ``survivor`` (staff): every row that points at ``merged`` — its pledges as lead,
    its partner rows, memberships, invitations, requests to join, and its audit trail — moves to
    ``survivor``; then ``merged`` is deleted and its address redirects to the survivor.

    Clashes with unique constraints keep one row: the one with the higher ``merge_rank()`` where the model
    defines it (memberships: the higher role), else the survivor's. Rows that would tie the survivor to
    itself (a partner row on its own pledge) are deleted. An empty logo, website or description of the
    survivor is filled from ``merged``.

    Raises:
        ApplicationError: both are the same organisation.
    """
    if survivor.pk == merged.pk:
        raise ApplicationError(_("Choose two different organisations to merge."))
    survivor, merged = _lock(survivor), _lock(merged)
    reason = f"merged {merged.pk} into {survivor.pk}"
    result = MergeResult(survivor=survivor, merged_name=merged.name, merged_slug=merged.slug)
    relations = [(m, f) for m, f in _reverse_foreign_keys(Organisation)]
    for model, field in relations:
        _move_rows(model, field, survivor=survivor, merged=merged, by=by, reason=reason)
    for model, field in relations:
        _remove_self_links(model, field, survivor=survivor, by=by, reason=reason)
    # The merged organisation's own audit trail moves to the survivor.
    Organisation.history.model._base_manager.filter(id=merged.pk).update(id=survivor.pk)
    for name in ("website", "description"):
        if not getattr(survivor, name) and getattr(merged, name):
            setattr(survivor, name, getattr(merged, name))
    if not survivor.logo and merged.logo:
        survivor.logo = merged.logo.name
        merged.logo = ""
    _save(survivor, by, f"merged with {merged.pk}")
    slug = merged.slug
    _delete(merged, by, reason)
    FormerSlug.objects.create(slug=slug, organisation=survivor)
    return result
