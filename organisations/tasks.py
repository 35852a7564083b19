"""Celery tasks of the organisations app: the emails (thin: take IDs, render, send)."""

import smtplib

from celery import shared_task
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Invitation, JoinRequest, Membership, Organisation

RETRY = {
    "bind": True,
    "acks_late": True,
    "max_retries": 5,
    "autoretry_for": (smtplib.SMTPException, ConnectionError, TimeoutError),
    "retry_backoff": True,
    "soft_time_limit": 60,
    "time_limit": 90,
}


def _send(template: str, recipients: list[str], context: dict, language: str = "") -> int:
    """Render ``organisations/email/<template>_subject.txt`` and ``_body.txt`` (plain text: names appear
    exactly as typed) and send one message per recipient, in the language each reads (``language`` for an
    address without an account: the inviting person's). These messages are essential to membership: sent
    whatever the person's notification preferences."""
    from secretariat.preferences import send_in_recipients_languages

    context = {**context, "site_url": settings.SITE_URL}

    def render():
        return (
            render_to_string(f"organisations/email/{template}_subject.txt", context),
            render_to_string(f"organisations/email/{template}_body.txt", context),
        )

    return send_in_recipients_languages(recipients, render, language=language)


def _owner_emails(organisation_id: int) -> list[str]:
    return list(
        Membership.objects.filter(
            organisation_id=organisation_id, role=Membership.Role.OWNER, user__is_active=True
        ).values_list("user__email", flat=True)
    )


@shared_task(**RETRY)
def send_invitation_email(self, invitation_id: int, token: str, language: str = "") -> int:
    """Email the invitee the link to accept or decline (``token`` is the plain token; only its digest is
    stored), in their language if they have an account, else in ``language`` (the inviting person's interface
    language, a code of ``settings.LANGUAGES``). Returns the number of messages sent (0 when the invitation
    is no longer pending)."""
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(pk=invitation_id, status=Invitation.Status.PENDING)
        .first()
    )
    if invitation is None:
        return 0
    link = settings.SITE_URL + reverse("organisations:invitation", kwargs={"token": token})
    return _send("invitation", [invitation.email], {"invitation": invitation, "link": link}, language)


@shared_task(**RETRY)
def send_verification_email(self, organisation_id: int) -> int:
    """Tell an organisation's owners the Secretariat's verification decision (with its reason)."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return 0
    return _send("verification", _owner_emails(organisation_id), {"organisation": organisation})


@shared_task(**RETRY)
def send_join_request_email(self, join_request_id: int) -> int:
    """Tell an organisation's owners that someone asks to join."""
    join_request = (
        JoinRequest.objects.select_related("organisation", "user").filter(pk=join_request_id).first()
    )
    if join_request is None or join_request.status != JoinRequest.Status.PENDING:
        return 0
    link = settings.SITE_URL + reverse(
        "organisations:members", kwargs={"slug": join_request.organisation.slug}
    )
    return _send(
        "join_request",
        _owner_emails(join_request.organisation_id),
        {"join_request": join_request, "link": link},
    )


@shared_task(**RETRY)
def send_join_decision_email(self, join_request_id: int) -> int:
    """Tell the requester whether an owner approved or declined their request to join."""
    join_request = (
        JoinRequest.objects.select_related("organisation", "user").filter(pk=join_request_id).first()
    )
    if join_request is None or not join_request.user.is_active:
        return 0
    return _send("join_decision", [join_request.user.email], {"join_request": join_request})


@shared_task(**RETRY)
def send_owner_appointed_email(self, membership_id: int) -> int:
    """Tell a person the Secretariat appointed them owner of an organisation."""
    membership = Membership.objects.select_related("organisation", "user").filter(pk=membership_id).first()
    if membership is None:
        return 0
    link = settings.SITE_URL + reverse("organisations:members", kwargs={"slug": membership.organisation.slug})
    return _send("owner_appointed", [membership.user.email], {"membership": membership, "link": link})
