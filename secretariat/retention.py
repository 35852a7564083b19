"""The retention rule (README, "Secretariat operations"): what the platform deletes by itself, and when.

- An account whose email address was never confirmed, ``unverified_account_days`` after sign-up (staff accounts
  never), is deleted with the account deletion of ``accounts.services`` (every app's eraser runs).
- A draft pledge nobody changed for ``draft_days`` is deleted (its history stays in the audit trail).

Each deletion is announced by email ``warning_days`` before it (a ``RetentionNotice`` records the warning and the
date). A person who confirms their address, or anyone who changes the draft, in the meantime keeps it: the
notice is dropped. The periods are set by the Secretariat in the admin (``RetentionPolicy``); the rule runs daily
on Celery beat (``secretariat.tasks.apply_retention``). Warnings are essential mail: they ignore the
notification preferences.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from organisations.models import Membership
from pledges.models import Pledge

from .models import RetentionNotice, RetentionPolicy
from .preferences import preferred_language

logger = logging.getLogger("p2c.secretariat")
N = RetentionNotice.Kind


@dataclass
class RetentionResult:
    """What one run did: warnings sent and deletions made, for accounts and drafts."""

    accounts_warned: int = 0
    accounts_deleted: int = 0
    drafts_warned: int = 0
    drafts_deleted: int = 0


def _mail(template: str, context: dict, recipients: list, language: str) -> None:
    with translation.override(language):
        context = {**context, "site_url": settings.SITE_URL}
        subject = " ".join(render_to_string(f"secretariat/email/{template}_subject.txt", context).split())
        body = render_to_string(f"secretariat/email/{template}_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)


def _unconfirmed_accounts(cutoff: dt.datetime):
    from accounts.models import User

    confirmed = EmailAddress.objects.filter(verified=True).values("user_id")
    return (
        User.objects.filter(is_staff=False, is_superuser=False, date_joined__lte=cutoff)
        .exclude(pk__in=confirmed)
        .exclude(email="")
    )


def _draft_recipients(pledge: Pledge) -> list[str]:
    emails = set(
        Membership.objects.filter(
            organisation_id=pledge.lead_organisation_id,
            role__in=(Membership.Role.OWNER, Membership.Role.EDITOR),
            user__is_active=True,
        ).values_list("user__email", flat=True)
    )
    if pledge.created_by and pledge.created_by.is_active and pledge.created_by.email:
        emails.add(pledge.created_by.email)
    return sorted(e for e in emails if e)


def retention_apply(*, now: dt.datetime, policy: RetentionPolicy | None = None) -> RetentionResult:
    """Send the warnings due at ``now`` and make the deletions due at ``now``.

    Args:
        now: the moment to run for (aware).
        policy: the rule; default the Secretariat's (``RetentionPolicy.current()``).
    Returns: a ``RetentionResult``.
    """
    from accounts.services import account_delete

    policy = policy or RetentionPolicy.current()
    result = RetentionResult()
    if not policy.enabled:
        return result
    warning = dt.timedelta(days=policy.warning_days)

    # Accounts: a notice for one confirmed since is dropped; due deletions happen; new warnings go out.
    RetentionNotice.objects.filter(kind=N.ACCOUNT, user__emailaddress__verified=True).delete()
    for notice in RetentionNotice.objects.filter(kind=N.ACCOUNT, delete_after__lte=now).select_related(
        "user"
    ):
        user = notice.user
        if user is None or user.is_staff or EmailAddress.objects.filter(user=user, verified=True).exists():
            notice.delete()
            continue
        with transaction.atomic():
            account_delete(user=user)
        result.accounts_deleted += 1
    first_warning_cutoff = now - dt.timedelta(days=policy.unverified_account_days) + warning
    warned = RetentionNotice.objects.filter(kind=N.ACCOUNT).values("user_id")
    for user in _unconfirmed_accounts(first_warning_cutoff).exclude(pk__in=warned):
        delete_after = max(
            user.date_joined + dt.timedelta(days=policy.unverified_account_days), now + warning
        )
        with transaction.atomic():
            notice, created = RetentionNotice.objects.get_or_create(
                kind=N.ACCOUNT, user=user, defaults={"warned_at": now, "delete_after": delete_after}
            )
            if created:
                _mail(
                    "account_warning",
                    {"user": user, "delete_after": delete_after, "days": policy.unverified_account_days},
                    [user.email],
                    preferred_language(user),
                )
                result.accounts_warned += 1

    # Drafts: a notice for a draft changed (or submitted) since the warning is dropped.
    for notice in RetentionNotice.objects.filter(kind=N.DRAFT).select_related("pledge"):
        pledge = notice.pledge
        if pledge is None or pledge.status != Pledge.Status.DRAFT or pledge.updated_at > notice.warned_at:
            notice.delete()
    for notice in RetentionNotice.objects.filter(kind=N.DRAFT, delete_after__lte=now).select_related(
        "pledge"
    ):
        with transaction.atomic():
            pledge = Pledge.objects.select_for_update().filter(pk=notice.pledge_id).first()
            if pledge is None or pledge.status != Pledge.Status.DRAFT or pledge.updated_at > notice.warned_at:
                notice.delete()
                continue
            pledge._change_reason = "deleted under the retention rule"
            pledge.delete()
        result.drafts_deleted += 1
    draft_cutoff = now - dt.timedelta(days=policy.draft_days) + warning
    warned = RetentionNotice.objects.filter(kind=N.DRAFT).values("pledge_id")
    drafts = (
        Pledge.objects.filter(status=Pledge.Status.DRAFT, updated_at__lte=draft_cutoff)
        .exclude(pk__in=warned)
        .select_related("created_by")
    )
    for pledge in drafts:
        delete_after = max(pledge.updated_at + dt.timedelta(days=policy.draft_days), now + warning)
        recipients = _draft_recipients(pledge)
        with transaction.atomic():
            notice, created = RetentionNotice.objects.get_or_create(
                kind=N.DRAFT, pledge=pledge, defaults={"warned_at": now, "delete_after": delete_after}
            )
            if created and recipients:
                _mail(
                    "draft_warning",
                    {"pledge": pledge, "delete_after": delete_after, "days": policy.draft_days},
                    recipients,
                    settings.LANGUAGE_CODE,
                )
            if created:
                result.drafts_warned += 1
    return result
