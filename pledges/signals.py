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


def _watched(sender) -> bool:
    meta = getattr(sender, "_meta", None)
    if meta is None or meta.app_label not in WATCHED:
        return False
    names = WATCHED[meta.app_label]
    return names is None or meta.model_name in names


def new_generation(sender=None, **kwargs) -> None:
    """Start a new generation of the public data (a new random token in the shared cache)."""
    if sender is None or _watched(sender) or _watched(getattr(kwargs.get("instance"), "__class__", None)):
        cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def current_generation() -> str:
    """The current generation token ("" before the first change since the cache was emptied)."""
    return cache.get(GENERATION_KEY) or ""


def connect() -> None:
    """Connect the receivers (called once, from ``PledgesConfig.ready``)."""
    post_save.connect(new_generation, dispatch_uid="p2c-public-data-saved")
    post_delete.connect(new_generation, dispatch_uid="p2c-public-data-deleted")
    m2m_changed.connect(new_generation, dispatch_uid="p2c-public-data-relations")
