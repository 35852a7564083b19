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
    from .models import NotificationPreferences

    if user is None or not getattr(user, "pk", None):
        return None
    return NotificationPreferences.objects.filter(user_id=user.pk).first()


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


def send_notifications(messages, *, kind: str, fail_silently: bool = False) -> int:
    """Send ``messages`` (``send_mass_mail`` tuples ``(subject, body, from_email, [address, ...])``) as mail of
    ``kind``: an address that belongs to an account is left out when the person does not want ``kind``, and
    otherwise gets the unsubscribe link and headers (``notification_message``); an address without an account
    (a person invited by email) gets the message as it is.

    Args:
        messages: an iterable of 4-tuples, as for ``django.core.mail.send_mass_mail``.
        kind: one of ``KINDS``.
    Returns: the number of messages sent.
    """
    from django.contrib.auth import get_user_model
    from django.core.mail import get_connection

    if kind not in KINDS:
        raise ValueError(f"unknown kind of email {kind!r}")
    messages = list(messages)
    addresses = {address.lower() for _s, _b, _f, to in messages for address in to if address}
    users = {}
    if addresses:
        for user in get_user_model().objects.filter(email__in=sorted(addresses)):
            users[user.email.lower()] = user
        missing = addresses - set(users)
        if missing:  # addresses typed with other capitals than the account's
            condition = Q()
            for address in missing:
                condition |= Q(email__iexact=address)
            for user in get_user_model().objects.filter(condition):
                users.setdefault(user.email.lower(), user)
    outgoing = []
    for subject, body, from_email, to in messages:
        for address in to:
            if not address:
                continue
            user = users.get(address.lower())
            if user is None:
                outgoing.append(EmailMessage(subject, body, from_email, [address]))
            elif wants(user, kind):
                outgoing.append(
                    notification_message(
                        subject=subject, body=body, user=user, kind=kind, from_email=from_email
                    )
                )
    if not outgoing:
        return 0
    return get_connection(fail_silently=fail_silently).send_messages(outgoing) or 0
