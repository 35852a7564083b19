"""Objects of the secretariat app for the permission matrix (``tests/test_permission_matrix.py``)."""

from secretariat.models import LegacyPledge, LegalDocument
from secretariat.preferences import unsubscribe_token


def legacy_id_of_draft(world) -> str:
    """An old platform ID of the lead's draft pledge."""
    LegacyPledge.objects.get_or_create(old_id="OLD-DRAFT-1", defaults={"pledge": world.draft})
    return "OLD-DRAFT-1"


def unsubscribe_token_of_owner(world) -> str:
    return unsubscribe_token(world.users["owner"], "announcements")


def published_terms(world) -> str:
    from django.utils import timezone

    LegalDocument.objects.get_or_create(
        kind="terms",
        version=1,
        defaults={"title": "Terms of use", "body": "Be kind.", "published_at": timezone.now()},
    )
    return "terms"
