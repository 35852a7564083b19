"""Celery tasks of the pledges app (thin: take IDs, call a service or send mail)."""

import smtplib

from celery import shared_task
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from organisations.models import Membership

from .models import PledgeTransition


def _owner_and_editor_emails(organisation_id: int) -> list[str]:
    """Addresses of the active owners and editors of an organisation (who answer for its pledges)."""
    return list(
        Membership.objects.filter(
            organisation_id=organisation_id,
            role__in=(Membership.Role.OWNER, Membership.Role.EDITOR),
            user__is_active=True,
        ).values_list("user__email", flat=True)
    )


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=5,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    soft_time_limit=60,
    time_limit=90,
)
def send_pledge_transition_email(self, transition_id: int) -> int:
    """Email the lead organisation's owners and editors about a moderation decision.

    Args:
        transition_id: primary key of the ``PledgeTransition``.
    Returns: the number of messages sent (0 when the record no longer exists).
    """
    record = (
        PledgeTransition.objects.select_related("pledge", "pledge__lead_organisation")
        .filter(pk=transition_id)
        .first()
    )
    if record is None:
        return 0
    recipients = _owner_and_editor_emails(record.pledge.lead_organisation_id)
    if record.to_status == "submitted":
        # The Secretariat is told too: a pledge waits for its review.
        from accounts.models import User

        recipients += [
            email
            for email in User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True)
            if email not in recipients
        ]
    context = {"record": record, "pledge": record.pledge, "site_url": settings.SITE_URL}

    def render():
        return (
            render_to_string("pledges/email/transition_subject.txt", context),
            render_to_string("pledges/email/transition_body.txt", context),
        )

    from secretariat.preferences import send_in_recipients_languages  # language, preferences, unsubscribe

    return send_in_recipients_languages(recipients, render, kind="decisions")


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=5,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    soft_time_limit=60,
    time_limit=90,
)
def send_partner_invitation_email(self, partner_id: int, token: str = "", language: str = "") -> int:
    """Invite a partner organisation to a joint pledge by email.

    A registered organisation's owners and editors are told to answer in their workspace; an organisation
    invited by email address gets a link carrying ``token`` (its hash is stored) to register and confirm.

    Args:
        partner_id: primary key of the ``PledgePartner`` row.
        token: the plain invitation token, for email invitations only.
        language: the inviting person's interface language, for an address without an account.
    Returns: the number of messages sent.
    """
    from .models import PledgePartner

    row = (
        PledgePartner.objects.select_related("pledge", "pledge__lead_organisation", "organisation")
        .filter(pk=partner_id, status=PledgePartner.Status.INVITED)
        .first()
    )
    if row is None:
        return 0
    if row.organisation_id:
        recipients = _owner_and_editor_emails(row.organisation_id)
        link = f"{settings.SITE_URL}/my/"
    else:
        recipients = [row.invited_email]
        link = f"{settings.SITE_URL}/my/partnerships/claim/{token}/"
    context = {"row": row, "pledge": row.pledge, "link": link}

    def render():
        return (
            render_to_string("pledges/email/partner_invitation_subject.txt", context),
            render_to_string("pledges/email/partner_invitation_body.txt", context),
        )

    from secretariat.preferences import send_in_recipients_languages

    return send_in_recipients_languages(recipients, render, language=language)


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=5,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    soft_time_limit=60,
    time_limit=90,
)
def send_partnership_email(self, request_id: int, event: str) -> int:
    """Tell the other side of a partnership message: "received" goes to the pledging organisation's owners and
    editors (without the sender's address); "replied" goes to the sender, and an accepting reply shares the
    replier's address with the sender and the sender's with the replier."""
    from .models import PartnershipRequest

    req = (
        PartnershipRequest.objects.select_related(
            "pledge", "pledge__lead_organisation", "from_organisation", "sender", "replied_by"
        )
        .filter(pk=request_id)
        .first()
    )
    if req is None:
        return 0
    from secretariat.preferences import send_in_recipients_languages  # language, preferences, unsubscribe

    context = {"req": req, "pledge": req.pledge, "site_url": settings.SITE_URL}

    def render_subject():
        return render_to_string("pledges/email/partnership_subject.txt", context)

    sent = 0
    if event == "received":
        recipients = _owner_and_editor_emails(req.pledge.lead_organisation_id)
        template = "pledges/email/partnership_received.txt"
    else:
        recipients = [req.sender.email] if req.sender else []
        template = "pledges/email/partnership_replied.txt"
        if req.status == PartnershipRequest.Status.REPLIED and req.replied_by and req.sender:
            sent += send_in_recipients_languages(
                [req.replied_by.email],
                lambda: (
                    f"[P2C] {req.from_organisation.name}",
                    render_to_string("pledges/email/partnership_contact.txt", context),
                ),
                kind="partnership",
            )
    return sent + send_in_recipients_languages(
        recipients, lambda: (render_subject(), render_to_string(template, context)), kind="partnership"
    )


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=5,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    soft_time_limit=60,
    time_limit=90,
)
def send_problem_report_email(self, report_id: int) -> int:
    """Tell the Secretariat (active staff) that someone reported a problem with a pledge."""
    from accounts.models import User

    from .models import ProblemReport

    report = ProblemReport.objects.select_related("pledge").filter(pk=report_id).first()
    if report is None:
        return 0
    recipients = list(User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True))
    if not recipients:
        return 0
    from secretariat.preferences import send_in_recipients_languages

    return send_in_recipients_languages(
        recipients,
        lambda: (
            f"[P2C] {report.pledge.public_id}: " + translation.gettext("problem reported"),
            render_to_string(
                "pledges/email/problem_report.txt", {"report": report, "site_url": settings.SITE_URL}
            ),
        ),
    )
