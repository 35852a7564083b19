"""Terms of use and privacy notice: the versions in force, who has accepted them, and publishing a new version.

The documents in force are the latest published version of each kind. Sign-up asks for both
(``forms.SignupConsentForm``); when the Secretariat publishes a new version, ``ConsentMiddleware`` asks every
signed-in person to accept it before anything else (once: the answer is remembered in the session). Until the
Secretariat publishes a first version, nobody is asked.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from p2c.exceptions import ApplicationError

from .models import Consent, LegalDocument

CACHE_KEY = "p2c:secretariat:legal-in-force"
CACHE_SECONDS = 60


def documents_in_force() -> list[LegalDocument]:
    """The latest published version of each kind (terms first), at most one per kind; cached a minute and
    refreshed at once when a version is published."""
    ids = None
    try:
        ids = cache.get(CACHE_KEY)
    except Exception:  # noqa: BLE001 - the cache being down must not block pages
        ids = None
    if ids is None:
        ids = []
        for kind in LegalDocument.Kind.values:
            document = (
                LegalDocument.objects.filter(kind=kind, published_at__isnull=False)
                .order_by("-version")
                .first()
            )
            if document is not None:
                ids.append(document.pk)
        try:
            cache.set(CACHE_KEY, ids, CACHE_SECONDS)
        except Exception:  # noqa: BLE001, S110 - read from the database again next time
            pass
    documents = LegalDocument.objects.in_bulk(ids)
    return [documents[pk] for pk in ids if pk in documents]


def missing_consents(user) -> list[LegalDocument]:
    """The documents in force that ``user`` has not accepted (empty for anonymous visitors)."""
    if not getattr(user, "is_authenticated", False):
        return []
    documents = documents_in_force()
    if not documents:
        return []
    accepted = set(
        Consent.objects.filter(user=user, document__in=documents).values_list("document_id", flat=True)
    )
    return [d for d in documents if d.pk not in accepted]


@transaction.atomic
def consent_accept(*, user, documents: list[LegalDocument]) -> None:
    """Record that ``user`` accepted ``documents`` now (a document accepted before keeps its first date)."""
    for document in documents:
        Consent.objects.get_or_create(user=user, document=document)


def legal_document_next_version(*, kind: str) -> int:
    return (LegalDocument.objects.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0) + 1


@transaction.atomic
def legal_document_publish(*, document: LegalDocument, by) -> LegalDocument:
    """Publish a draft version: from now on it is the one in force, and everyone is asked to accept it.

    Raises:
        ApplicationError: the version is published already (published versions are never changed).
    """
    locked = LegalDocument.objects.select_for_update().get(pk=document.pk)
    if locked.published_at is not None:
        raise ApplicationError(_("This version is published already; write a new version instead."))
    locked.published_at = timezone.now()
    locked.save(update_fields=["published_at"])
    try:
        cache.delete(CACHE_KEY)
    except Exception:  # noqa: BLE001, S110 - the cached list expires within a minute anyway
        pass
    return locked
