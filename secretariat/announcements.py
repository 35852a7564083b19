"""Announcements from the Secretariat to the focal points of chosen pledges, sent once to each person.

Recipients: the focal point of every public pledge (``Pledge.PUBLIC_STATUSES``) that matches the announcement's
criteria, or, for a pledge without a focal point (e.g. one imported from the former registry), the owners of its
lead organisation. Criteria (each left empty does not narrow; several values of one criterion are alternatives):
focus areas, regions (a beneficiary country in the region or sub-region, or the region named on the pledge),
stakeholder type of the pledging entity, and the reporting status for a reporting period ("not yet reported":
the pledge owes a report for the period and has not filed one, ``progress.selectors.pledges_owing_report``).

Exactly once: sending first writes one ``AnnouncementDelivery`` row per person (unique per announcement and
person), then claims each row with one atomic UPDATE before its email goes out and marks it sent afterwards. A
second run of the task (a redelivery, a double click) finds the rows claimed or sent and sends nothing again.
A person who unsubscribed from announcements gets no email; their row says so. A copy whose message cannot be
built (a line break in the subject) is marked failed, not retried.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import BadHeaderError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from organisations.models import Membership
from p2c.exceptions import ApplicationError
from p2c.outbox import enqueue_on_commit
from pledges.models import Pledge
from progress.models import ProgressReport
from progress.selectors import pledges_owing_report

from .models import Announcement, AnnouncementDelivery, AnnouncementText
from .preferences import notification_message, preferred_language, wants

logger = logging.getLogger("p2c.secretariat")
CLAIM_SECONDS = 300


def announcement_pledges(announcement: Announcement):
    """The public pledges an announcement is for (a queryset, distinct)."""
    pledges = Pledge.objects.filter(status__in=Pledge.PUBLIC_STATUSES)
    focus_areas = list(announcement.focus_areas.values_list("pk", flat=True))
    if focus_areas:
        pledges = pledges.filter(focus_areas__in=focus_areas)
    regions = list(announcement.regions.values_list("pk", flat=True))
    if regions:
        pledges = pledges.filter(
            Q(beneficiary_countries__region_id__in=regions)
            | Q(beneficiary_countries__sub_region_id__in=regions)
            | Q(beneficiary_countries__intermediate_region_id__in=regions)
            | Q(regions__in=regions)
        )
    types = list(announcement.stakeholder_types.values_list("pk", flat=True))
    if types:
        pledges = pledges.filter(lead_organisation__stakeholder_type_id__in=types)
    period = announcement.reporting_period
    if announcement.reporting_status and period is not None:
        filed = ProgressReport.objects.filed().filter(period=period).values("pledge_id")
        if announcement.reporting_status == Announcement.Reporting.NOT_REPORTED:
            owing = pledges_owing_report(period=period).exclude(pk__in=filed).values("pk")
            pledges = pledges.filter(pk__in=owing)
        else:
            pledges = pledges.filter(pk__in=filed)
    return Pledge.objects.filter(pk__in=pledges.values("pk"))


def announcement_recipients(announcement: Announcement) -> list[int]:
    """IDs of the active accounts with an email address that the announcement goes to, each once, sorted."""
    from accounts.models import User

    rows = list(announcement_pledges(announcement).values_list("focal_point_id", "lead_organisation_id"))
    users = {focal for focal, _org in rows if focal}
    without_focal_point = {org for focal, org in rows if not focal}
    if without_focal_point:
        users |= set(
            Membership.objects.filter(
                organisation_id__in=without_focal_point, role=Membership.Role.OWNER
            ).values_list("user_id", flat=True)
        )
    return sorted(
        User.objects.filter(pk__in=users, is_active=True).exclude(email="").values_list("pk", flat=True)
    )


@transaction.atomic
def announcement_send(*, announcement: Announcement, by) -> Announcement:
    """Queue a draft announcement for the worker.

    Raises:
        ApplicationError: it was sent already, or has no text in the site's default language.
    """
    locked = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if locked.status != Announcement.Status.DRAFT:
        raise ApplicationError(_("This announcement was already sent."))
    if not locked.texts.filter(language=settings.LANGUAGE_CODE).exists():
        raise ApplicationError(
            _("Write the announcement in the site's default language (%(language)s) first.")
            % {"language": settings.LANGUAGE_CODE}
        )
    locked.status, locked.queued_by, locked.queued_at = Announcement.Status.QUEUED, by, timezone.now()
    locked.save(update_fields=["status", "queued_by", "queued_at"])
    from .tasks import send_announcement

    enqueue_on_commit(send_announcement, locked.pk)
    return locked


def _texts(announcement: Announcement) -> dict[str, AnnouncementText]:
    return {t.language: t for t in announcement.texts.all()}


def announcement_deliver(*, announcement_id: int, now: dt.datetime | None = None) -> int:
    """Write the recipients' rows and email everyone not yet emailed; returns the number of emails sent by this
    run (0 when another run sent them). Used by the Celery task ``send_announcement``."""
    from accounts.models import User

    announcement = Announcement.objects.filter(pk=announcement_id).first()
    if announcement is None or announcement.status == Announcement.Status.DRAFT:
        return 0
    texts = _texts(announcement)
    default = texts.get(settings.LANGUAGE_CODE) or next(iter(texts.values()), None)
    if default is None:
        return 0
    user_ids = announcement_recipients(announcement)
    users = User.objects.in_bulk(user_ids)
    AnnouncementDelivery.objects.bulk_create(
        [
            AnnouncementDelivery(announcement=announcement, user_id=pk, email=users[pk].email)
            for pk in user_ids
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    sent = 0
    pending = AnnouncementDelivery.objects.filter(
        announcement=announcement, status=AnnouncementDelivery.Status.PENDING
    ).select_related("user")
    for delivery in pending:
        moment = now or timezone.now()
        claimed = (
            AnnouncementDelivery.objects.filter(pk=delivery.pk, status=AnnouncementDelivery.Status.PENDING)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=moment))
            .update(claimed_until=moment + dt.timedelta(seconds=CLAIM_SECONDS))
        )
        if not claimed:
            continue
        user = delivery.user
        if not wants(user, "announcements"):
            AnnouncementDelivery.objects.filter(pk=delivery.pk).update(
                status=AnnouncementDelivery.Status.OPTED_OUT, claimed_until=None
            )
            continue
        language = preferred_language(user)
        text = texts.get(language) or default
        with translation.override(text.language):
            message = notification_message(
                subject=text.subject, body=text.body, user=user, kind="announcements"
            )
            try:
                message.send(fail_silently=False)
            except BadHeaderError:
                # A line break in the subject (the text form refuses them; an older or crafted text may have
                # one): the message can never be sent, so this copy failed rather than being retried for ever.
                logger.warning(
                    "Announcement %s: not sent to delivery %s, its %s subject has a line break",
                    announcement.pk,
                    delivery.pk,
                    text.language,
                )
                AnnouncementDelivery.objects.filter(pk=delivery.pk).update(
                    status=AnnouncementDelivery.Status.FAILED, language=text.language, claimed_until=None
                )
                continue
            except Exception:
                # Not sent: release the claim so that the task's retry sends it.
                AnnouncementDelivery.objects.filter(pk=delivery.pk).update(claimed_until=None)
                raise
        AnnouncementDelivery.objects.filter(pk=delivery.pk).update(
            status=AnnouncementDelivery.Status.SENT,
            sent_at=timezone.now(),
            language=text.language,
            email=user.email,
            claimed_until=None,
        )
        sent += 1
    if not AnnouncementDelivery.objects.filter(
        announcement=announcement, status=AnnouncementDelivery.Status.PENDING
    ).exists():
        Announcement.objects.filter(pk=announcement.pk).exclude(status=Announcement.Status.SENT).update(
            status=Announcement.Status.SENT, finished_at=timezone.now()
        )
    return sent
