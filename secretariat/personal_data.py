"""This app's part in a user's data export (``p2c.personal_data``): notification preferences and consents.

Rows about the person (preferences, consents, announcement copies) go with the account (CASCADE); notes they
wrote as staff stay with the organisation or pledge, attributed to "Former member" by ``accounts.services``.
"""

from django.conf import settings

from p2c.personal_data import register_exporter

from .models import AnnouncementDelivery, Consent, NotificationPreferences
from .preferences import KINDS


def _iso(value):
    return value.isoformat() if value else None


def export_secretariat(user) -> dict:
    """The person's notification preferences, the terms and notices they accepted, announcements sent to them."""
    preferences = NotificationPreferences.objects.filter(user=user).first()
    return {
        "notification_preferences": {
            **{kind: (getattr(preferences, kind) if preferences else True) for kind in KINDS},
            "language": preferences.language if preferences else "",
        },
        "consents": [
            {"document": c.document.kind, "version": c.document.version, "accepted_at": _iso(c.accepted_at)}
            for c in Consent.objects.filter(user=user).select_related("document")
        ],
        "announcements_received": [
            {"subject": _subject(d), "status": d.status, "sent_at": _iso(d.sent_at)}
            for d in AnnouncementDelivery.objects.filter(user=user).prefetch_related("announcement__texts")
        ],
    }


def _subject(delivery) -> str:
    """The subject of the announcement as the person received it (in the language it was sent in; not sent yet:
    in the site's default language). The announcement's name is the Secretariat's own label: never exported."""
    texts = {t.language: t.subject for t in delivery.announcement.texts.all()}
    for language in (delivery.language, settings.LANGUAGE_CODE):
        if language in texts:
            return texts[language]
    return next(iter(texts.values()), "")


register_exporter("secretariat", export_secretariat)
