"""Receivers of the secretariat app.

``organisations.services.organisation_create`` marks an organisation registered with the consent to publish its
name and pledges (``publication_consent``, the registration form's required box); the consent is recorded here,
with the person who registered it (the audit trail's ``_history_user``). A new account's email language is the
language it signed up in.
"""

from allauth.account.signals import user_signed_up
from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from organisations.models import Organisation


@receiver(post_save, sender=Organisation, dispatch_uid="secretariat-publication-consent")
def record_publication_consent(sender, instance, created, raw=False, **kwargs):
    if raw or not created or not getattr(instance, "publication_consent_given", False):
        return
    from .models import PublicationConsent

    by = getattr(instance, "_history_user", None)
    PublicationConsent.objects.get_or_create(
        organisation=instance, defaults={"given_by": by if getattr(by, "pk", None) else None}
    )


@receiver(user_signed_up, dispatch_uid="secretariat-email-language")
def remember_email_language(sender, request, user, **kwargs):
    """A new account reads its emails in the language it signed up in (``request.LANGUAGE_CODE``, set by the
    locale middleware); the person can change it on ``/my/notifications/``."""
    from .models import NotificationPreferences

    language = getattr(request, "LANGUAGE_CODE", "") if request is not None else ""
    if language and language != settings.LANGUAGE_CODE and language in dict(settings.LANGUAGES):
        NotificationPreferences.objects.get_or_create(user=user, defaults={"language": language})
