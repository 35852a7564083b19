"""Notification preferences: which kinds of email a person wants, in which language, and the one-click
unsubscribe link of every email that is not essential to the account.

Every sender of non-essential mail asks ``wants(user, kind)`` before sending and builds the message with
``notification_message`` (unsubscribe link in the text, ``List-Unsubscribe`` and ``List-Unsubscribe-Post``
headers, RFC 2369 and RFC 8058). Essential mail (email confirmation, password reset, invitations, retention
warnings) is sent regardless.
"""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The kinds of non-essential email, with the label shown on the preferences page and in the unsubscribe page.
KINDS = {
    "decisions": gettext_lazy("decisions on your pledges and progress reports"),
    "reminders": gettext_lazy("reminders to report progress"),
    "partnership": gettext_lazy("partnership messages"),
    "announcements": gettext_lazy("announcements from the P2C Secretariat"),
    "digests": gettext_lazy("digests"),
}
TOKEN_SALT = "p2c.secretariat.unsubscribe"  # noqa: S105 - a signing namespace, not a secret


def _preferences(user):
    """The person's saved preferences (the related row, fetched once per account object), or None."""
    from django.core.exceptions import ObjectDoesNotExist

    if user is None or not getattr(user, "pk", None):
        return None
    try:
        return user.notification_preferences
    except ObjectDoesNotExist:
        return None


def wants(user, kind: str) -> bool:
    """Whether ``user`` wants email of ``kind`` (one of ``KINDS``).

    Args:
        user: an account (or None, e.g. a person invited by email address only: they have no preferences and
            get the mail).
        kind: "decisions", "reminders", "partnership", "announcements" or "digests".
    Returns: False for an inactive account or one without an email address, or when the person turned the kind
        off; True otherwise (no preferences saved means everything is wanted).
    Raises:
        ValueError: ``kind`` is not one of ``KINDS``.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of email {kind!r}; expected one of {', '.join(KINDS)}")
    if user is None:
        return True
    if not getattr(user, "is_active", True) or not getattr(user, "email", ""):
        return False
    preferences = _preferences(user)
    return True if preferences is None else bool(getattr(preferences, kind))


def preferred_language(user) -> str:
    """The language ``user`` reads emails in: a ``language`` attribute of the account if it has one, else their
    notification preferences, else ``settings.LANGUAGE_CODE``. Always one of ``settings.LANGUAGES``."""
    available = {code for code, _name in settings.LANGUAGES}
    for candidate in (getattr(user, "language", ""), getattr(_preferences(user), "language", "")):
        if candidate and candidate in available:
            return candidate
    return settings.LANGUAGE_CODE


def unsubscribe_token(user, kind: str) -> str:
    """A signed token naming ``user`` and ``kind`` for the unsubscribe link (no expiry: old emails keep working;
    it can only turn a kind of email off)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of email {kind!r}")
    return signing.dumps({"u": user.pk, "k": kind}, salt=TOKEN_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user ID, kind) of a valid token; None for a token that was tampered with or is malformed."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in KINDS or not isinstance(data.get("u"), int):
        return None
    return data["u"], data["k"]


def unsubscribe_url(user, kind: str) -> str:
    """The absolute one-click unsubscribe address for ``user`` and ``kind`` (``settings.SITE_URL``)."""
    path = reverse("secretariat:unsubscribe", kwargs={"token": unsubscribe_token(user, kind)})
    return f"{settings.SITE_URL}{path}"


def unsubscribe(*, user, kind: str) -> None:
    """Turn ``kind`` off for ``user`` (idempotent)."""
    from .models import NotificationPreferences

    if kind not in KINDS:
        raise ValueError(f"unknown kind of email {kind!r}")
    preferences, _created = NotificationPreferences.objects.get_or_create(user=user)
    if getattr(preferences, kind):
        setattr(preferences, kind, False)
        preferences.save(update_fields=[kind, "updated_at"])


def notification_message(*, subject: str, body: str, user, kind: str, from_email: str | None = None):
    """An ``EmailMessage`` to ``user`` of a non-essential ``kind``, with the unsubscribe link at the end of the
    text and the ``List-Unsubscribe`` / ``List-Unsubscribe-Post`` headers (one click in mail programs).

    Args:
        subject, body: the rendered message (plain text).
        user: the recipient account (its ``email`` is the address).
        kind: one of ``KINDS``.
    """
    url = unsubscribe_url(user, kind)
    footer = _("To stop receiving %(kind)s, open this link: %(url)s") % {"kind": KINDS[kind], "url": url}
    return EmailMessage(
        subject=subject,
        body=f"{body.rstrip()}\n\n{footer}\n",
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


def send_in_recipients_languages(
    addresses, render, *, kind: str | None = None, language: str | None = None, fail_silently: bool = False
) -> int:
    """Send one message to each address, rendered in the language its recipient reads (issue "six UN languages":
    emails in the recipient's language).

    Args:
        addresses: email addresses; blanks and repeats (compared without regard to case) are dropped.
        render: a callable without arguments returning ``(subject, body)`` (plain text). It is called once per
            language needed, with that language active (``translation.override``), so ``gettext`` and
            ``{% translate %}`` in it give that language.
        kind: one of ``KINDS`` for non-essential mail (an account that turned the kind off is left out; the others
            get the unsubscribe link and headers, ``notification_message``), or None for mail sent regardless
            (invitations, mail to the Secretariat about its queue).
        language: the language for an address without an account (a person invited by email): normally the
            language of the person who invited them. Default ``settings.LANGUAGE_CODE``.
    Returns: the number of messages sent.
    Raises:
        ValueError: ``kind`` is not None and not one of ``KINDS``.
        smtplib.SMTPException and OSError from the mail backend unless ``fail_silently`` (the Celery tasks
        retry on them).
    """
    from django.contrib.auth import get_user_model
    from django.core.mail import get_connection
    from django.utils import translation

    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind of email {kind!r}")
    available = {code for code, _name in settings.LANGUAGES}
    fallback = language if language in available else settings.LANGUAGE_CODE
    unique = {}
    for address in addresses:
        if address and address.strip():
            unique.setdefault(address.strip().lower(), address.strip())
    if not unique:
        return 0
    users = {}
    condition = Q()
    for address in unique:
        condition |= Q(email__iexact=address)
    for user in get_user_model().objects.filter(condition).select_related("notification_preferences"):
        users.setdefault(user.email.lower(), user)
    by_language: dict[str, list] = {}
    for key, address in unique.items():
        user = users.get(key)
        if user is not None and kind is not None and not wants(user, kind):
            continue
        lang = preferred_language(user) if user is not None else fallback
        by_language.setdefault(lang, []).append((address, user))
    outgoing = []
    for lang, recipients in sorted(by_language.items()):
        with translation.override(lang):
            subject, body = render()
            subject = " ".join(str(subject).split())
            for address, user in recipients:
                if user is not None and kind is not None:
                    outgoing.append(notification_message(subject=subject, body=body, user=user, kind=kind))
                else:
                    outgoing.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address]))
    if not outgoing:
        return 0
    return get_connection(fail_silently=fail_silently).send_messages(outgoing) or 0
