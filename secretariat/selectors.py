"""Reads of the secretariat app: old platform IDs and addresses, notes, the import report."""

from django.contrib.contenttypes.models import ContentType

from pledges.selectors import pledges_visible_to

from .models import InternalNote, LegacyPledge


def legacy_pledge(old_id: str, *, user):
    """The pledge that had ID ``old_id`` on the former platform, if ``user`` may see it (else None)."""
    legacy = LegacyPledge.objects.filter(old_id=old_id).only("pledge_id").first()
    if legacy is None:
        return None
    return pledges_visible_to(user).filter(pk=legacy.pledge_id).first()


def legacy_pledge_for_path(path: str, *, user):
    """The pledge whose address on the former platform had ``path`` (with its query string), if ``user`` may
    see it; None otherwise."""
    if not path or len(path) > 500:
        return None
    legacy = LegacyPledge.objects.filter(old_path=path).exclude(old_path="").only("pledge_id").first()
    if legacy is None:
        return None
    return pledges_visible_to(user).filter(pk=legacy.pledge_id).first()


def notes_on(obj):
    """The internal notes on ``obj`` (an organisation, pledge or progress report), newest first."""
    return InternalNote.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("author")


def report_rows(report: list[dict], *, action: str = "") -> list[dict]:
    """The rows of an import report, refused first, filtered by ``action`` ("create", "update", "refused")."""
    rows = [r for r in report if not action or r.get("action") == action]
    return sorted(rows, key=lambda r: (r.get("action") != "refused", r.get("line", 0)))
