"""Receivers that keep cached public figures honest: any save or deletion of what the marketplace, the pledge
cards or the dashboard show (pledges, their partners and deliverables, organisations, reference data) starts a
new generation, which is part of ``selectors.pledges_fingerprint()`` and so of every such cache key."""

import uuid

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save

GENERATION_KEY = "p2c:public-data-generation"

# app label -> models whose rows appear on public pages (the whole reference app: names, groups, rates).
WATCHED = {
    "pledges": {"pledge", "pledgepartner", "deliverable"},
    "organisations": {"organisation"},
    "progress": {"progressreport", "pledgefollow", "evidence", "bestpractice"},
    "reference": None,
}
# Statuses of a pledge whose changes the public may see: public ones, and withdrawn (it just left the public).
VISIBLE_STATUSES = {"published", "completion_requested", "completed", "closed", "withdrawn"}


def _watched(model) -> bool:
    meta = getattr(model, "_meta", None)
    if meta is None or meta.app_label not in WATCHED:
        return False
    names = WATCHED[meta.app_label]
    return names is None or meta.model_name in names


def _public(instance) -> bool:
    """Whether a change of ``instance`` can show on public pages (a draft's or a submission's cannot)."""
    from pledges.models import Pledge

    if isinstance(instance, Pledge):
        return instance.status in VISIBLE_STATUSES
    if instance._meta.model_name == "organisation":
        return True  # rare, and a change of verification either way can show (or hide) its pledges
    pledge_id = getattr(instance, "pledge_id", None)
    if pledge_id is not None:
        if instance._meta.model_name == "progressreport" and getattr(instance, "status", "") != "published":
            return False
        status = Pledge.objects.filter(pk=pledge_id).values_list("status", flat=True).first()
        return status in VISIBLE_STATUSES
    report = getattr(instance, "report", None)  # evidence: public once its report is published
    if report is not None:
        return getattr(report, "status", "") == "published"
    return True


def new_generation(sender=None, instance=None, **kwargs) -> None:
    """Start a new generation of the public data (a new random token in the shared cache) when a watched row
    that the public may see is saved or deleted, or a public pledge's relations change."""
    if kwargs.get("raw"):
        return
    target = instance if instance is not None else None
    model = type(target) if target is not None else sender
    if not _watched(model) or (target is not None and not _public(target)):
        return
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def current_generation() -> str:
    """The current generation token ("" before the first change since the cache was emptied)."""
    return cache.get(GENERATION_KEY) or ""


def connect() -> None:
    """Connect the receivers (called once, from ``PledgesConfig.ready``)."""
    post_save.connect(new_generation, dispatch_uid="p2c-public-data-saved")
    post_delete.connect(new_generation, dispatch_uid="p2c-public-data-deleted")
    m2m_changed.connect(new_generation, dispatch_uid="p2c-public-data-relations")
