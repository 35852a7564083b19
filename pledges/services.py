"""Every write to pledges: saving drafts, the moderation workflow, partner responses.

Each state change goes through ``_transition``, which refuses transitions the current state does not allow,
writes a ``PledgeTransition`` audit record, and queues the decision email with ``transaction.on_commit``.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organisations.models import Organisation
from p2c.exceptions import ApplicationError, TransitionNotAllowed
from reference.selectors import exchange_rate_for, usd_equivalent

from .models import Pledge, PledgePartner, PledgeTransition, PublicIdSequence

S = Pledge.Status
EDITABLE_STATUSES = (S.DRAFT, S.CHANGES_REQUESTED)


@dataclass
class PledgeRelations:
    """The many-valued parts of a pledge as saved from the form (model instances or querysets)."""

    focus_areas: list = field(default_factory=list)
    pillars: list = field(default_factory=list)
    pledge_types: list = field(default_factory=list)
    beneficiary_countries: list = field(default_factory=list)
    partners: list[Organisation] = field(default_factory=list)


def pledge_public_id_next(*, year: int) -> str:
    """Hand out the next public ID of ``year``: "P2C-<year>-<number>", numbers zero-padded to 4 digits.

    Must run inside a transaction; the year's sequence row is locked so two saves never get the same number.
    """
    PublicIdSequence.objects.get_or_create(year=year)
    seq = PublicIdSequence.objects.select_for_update().get(year=year)
    seq.last_number += 1
    seq.save(update_fields=["last_number"])
    return f"P2C-{year}-{seq.last_number:04d}"


def _apply_usd_value(pledge: Pledge) -> None:
    """Set ``value_usd`` and ``usd_rate`` from the Secretariat's rates table (the rate for the start date)."""
    if pledge.value_amount is None or pledge.value_currency_id is None:
        pledge.value_usd, pledge.usd_rate = None, None
        return
    on_date = pledge.start_date or timezone.localdate()
    rate = exchange_rate_for(currency_code=pledge.value_currency_id, on_date=on_date)
    pledge.usd_rate = rate
    pledge.value_usd = usd_equivalent(amount=pledge.value_amount, rate=rate) if rate else None


@transaction.atomic
def pledge_save(*, pledge: Pledge, by, relations: PledgeRelations) -> Pledge:
    """Save a new or editable pledge (draft or changes requested) with its focus areas, countries and partners.

    Args:
        pledge: an unsaved pledge (with ``lead_organisation`` set) or a saved one in an editable state.
        by: the member saving it.
        relations: focus areas, pillars, pledge types, beneficiary countries and partner organisations.
    Raises:
        TransitionNotAllowed: the pledge is no longer editable (submitted, published or rejected).
    """
    if pledge.pk and pledge.status not in EDITABLE_STATUSES:
        raise TransitionNotAllowed(
            _("This pledge can no longer be edited (status: %(status)s).")
            % {"status": pledge.get_status_display()}
        )
    if not pledge.pk:
        pledge.public_id = pledge_public_id_next(year=timezone.localdate().year)
        pledge.created_by = by
    _apply_usd_value(pledge)
    pledge._change_reason = "saved"
    pledge.save()
    pledge.focus_areas.set(relations.focus_areas)
    pledge.pillars.set(relations.pillars)
    pledge.pledge_types.set(relations.pledge_types)
    pledge.beneficiary_countries.set(relations.beneficiary_countries)
    _sync_partners(pledge, relations.partners)
    return pledge


def _sync_partners(pledge: Pledge, organisations) -> None:
    wanted = {o.pk for o in organisations if o.pk != pledge.lead_organisation_id}
    pledge.partners.exclude(organisation_id__in=wanted).delete()
    existing = set(pledge.partners.values_list("organisation_id", flat=True))
    PledgePartner.objects.bulk_create(
        PledgePartner(pledge=pledge, organisation_id=org_id) for org_id in sorted(wanted - existing)
    )


def pledge_missing_for_submit(*, pledge: Pledge) -> list[str]:
    """What a pledge still lacks before it can be submitted, as translated sentences (empty when complete)."""
    missing = []
    if not pledge.title.strip():
        missing.append(_("a title"))
    if not pledge.description.strip() and not pledge.summary.strip():
        missing.append(_("a summary or description"))
    if not pledge.focus_areas.exists():
        missing.append(_("at least one focus area"))
    if not pledge.pledge_types.exists():
        missing.append(_("at least one pledge type"))
    if not pledge.is_global and not pledge.beneficiary_countries.exists():
        missing.append(_('beneficiary countries, or "global"'))
    if pledge.start_date is None:
        missing.append(_("a start date"))
    if pledge.end_date is None:
        missing.append(_("an end date"))
    return missing


def _transition(*, pledge: Pledge, to: str, by, reason: str = "", allowed_from: tuple) -> PledgeTransition:
    locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if locked.status not in allowed_from:
        raise TransitionNotAllowed(
            _("A pledge that is “%(current)s” cannot become “%(target)s”.")
            % {"current": locked.get_status_display(), "target": S(to).label}
        )
    record = PledgeTransition.objects.create(
        pledge=locked, from_status=locked.status, to_status=to, by=by, reason=reason
    )
    now = timezone.now()
    locked.status = to
    if to == S.SUBMITTED:
        locked.submitted_at = now
    if to == S.PUBLISHED:
        locked.published_at = now
    locked._change_reason = f"{record.from_status} → {to}"
    locked.save()
    pledge.refresh_from_db()
    from .tasks import send_pledge_transition_email

    transaction.on_commit(lambda: send_pledge_transition_email.delay(record.pk))
    return record


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Please give a reason: the pledging organisation will see it."))
    return reason


@transaction.atomic
def pledge_submit(*, pledge: Pledge, by) -> PledgeTransition:
    """Submit a draft (or a pledge whose changes were requested) for the Secretariat's review.

    Raises:
        ApplicationError: the pledge is incomplete; ``extra["missing"]`` lists what is missing.
        TransitionNotAllowed: the pledge is not a draft and no changes were requested.
    """
    missing = pledge_missing_for_submit(pledge=pledge)
    if missing:
        raise ApplicationError(_("This pledge cannot be submitted yet."), extra={"missing": missing})
    return _transition(pledge=pledge, to=S.SUBMITTED, by=by, allowed_from=EDITABLE_STATUSES)


@transaction.atomic
def pledge_publish(*, pledge: Pledge, by, note: str = "") -> PledgeTransition:
    """Publish a submitted pledge. Raises TransitionNotAllowed unless it is submitted."""
    return _transition(pledge=pledge, to=S.PUBLISHED, by=by, reason=note.strip(), allowed_from=(S.SUBMITTED,))


@transaction.atomic
def pledge_request_changes(*, pledge: Pledge, by, reason: str) -> PledgeTransition:
    """Return a submitted pledge to its organisation with the changes asked for (``reason`` required)."""
    reason = _require_reason(reason)
    return _transition(
        pledge=pledge, to=S.CHANGES_REQUESTED, by=by, reason=reason, allowed_from=(S.SUBMITTED,)
    )


@transaction.atomic
def pledge_reject(*, pledge: Pledge, by, reason: str) -> PledgeTransition:
    """Reject a submitted pledge (``reason`` required). Rejected pledges are final."""
    reason = _require_reason(reason)
    return _transition(pledge=pledge, to=S.REJECTED, by=by, reason=reason, allowed_from=(S.SUBMITTED,))


@transaction.atomic
def partner_respond(*, partner: PledgePartner, by, confirm: bool) -> PledgePartner:
    """Record a partner organisation's confirmation (``confirm=True``) or refusal of a joint pledge.

    Raises:
        ApplicationError: the partner already answered.
    """
    locked = PledgePartner.objects.select_for_update().get(pk=partner.pk)
    if locked.status != PledgePartner.Status.INVITED:
        raise ApplicationError(_("Your organisation has already answered this invitation."))
    locked.status = PledgePartner.Status.CONFIRMED if confirm else PledgePartner.Status.DECLINED
    locked.responded_at = timezone.now()
    locked.responded_by = by
    locked.save()
    return locked


@transaction.atomic
def pledge_load_published(
    *,
    organisation: Organisation,
    title: str,
    published_at: dt.datetime,
    relations: PledgeRelations,
    confirmed_partners: bool = True,
    **fields,
) -> Pledge:
    """Register a pledge that was already announced and published elsewhere (demo data, imports).

    The public ID uses the year of ``published_at``; partners are recorded as confirmed. The audit trail
    records one transition "draft → published" without a user.
    """
    pledge = Pledge(lead_organisation=organisation, title=title, **fields)
    pledge.public_id = pledge_public_id_next(year=published_at.year)
    _apply_usd_value(pledge)
    pledge.status = S.PUBLISHED
    pledge.published_at = published_at
    pledge.submitted_at = published_at
    pledge._change_reason = "loaded as published"
    pledge.save()
    pledge.focus_areas.set(relations.focus_areas)
    pledge.pillars.set(relations.pillars)
    pledge.pledge_types.set(relations.pledge_types)
    pledge.beneficiary_countries.set(relations.beneficiary_countries)
    _sync_partners(pledge, relations.partners)
    if confirmed_partners:
        pledge.partners.update(status=PledgePartner.Status.CONFIRMED, responded_at=published_at)
    PledgeTransition.objects.create(
        pledge=pledge, from_status=S.DRAFT, to_status=S.PUBLISHED, by=None, reason="Loaded as published."
    )
    return pledge
