"""Every write to pledges: drafts, deliverables, partners, the moderation workflow and revisions.

Each state change goes through ``_transition``, which refuses transitions the current state does not allow,
writes a ``PledgeTransition`` audit record (and the history row), and queues the email to the organisation's
members with ``transaction.on_commit``. The allowed transitions are listed in ``TRANSITIONS``.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from organisations.models import Organisation
from p2c.exceptions import ApplicationError, TransitionNotAllowed
from reference.selectors import exchange_rate_for, usd_equivalent

from . import revisions
from .models import Deliverable, Pledge, PledgePartner, PledgeRevision, PledgeTransition, PublicIdSequence
from .search import refresh_search_fields

S = Pledge.Status
EDITABLE_STATUSES = (S.DRAFT, S.CHANGES_REQUESTED)
# Fields only the workflow writes (never a form save).
WORKFLOW_FIELDS = ("id", "public_id", "status", "submitted_at", "published_at", "created_at", "created_by")
REVISABLE_STATUSES = (S.PUBLISHED,)
# Statuses in which invited partners may still answer.
OPEN_FOR_PARTNERS = (S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED, S.PUBLISHED)
# The moderation workflow: action -> (statuses it is allowed from, resulting status, who takes it).
# "member": an owner or editor of the lead organisation; "staff": the P2C Secretariat.
TRANSITIONS = {
    "submit": ((S.DRAFT, S.CHANGES_REQUESTED), S.SUBMITTED, "member"),
    "publish": ((S.SUBMITTED,), S.PUBLISHED, "staff"),
    "request_changes": ((S.SUBMITTED,), S.CHANGES_REQUESTED, "staff"),
    "reject": ((S.SUBMITTED,), S.REJECTED, "staff"),
    "withdraw": ((S.PUBLISHED,), S.WITHDRAWN, "member"),
    "request_completion": ((S.PUBLISHED,), S.COMPLETION_REQUESTED, "member"),
    "confirm_completion": ((S.COMPLETION_REQUESTED,), S.COMPLETED, "staff"),
    "decline_completion": ((S.COMPLETION_REQUESTED,), S.PUBLISHED, "staff"),
    "close": ((S.COMPLETED,), S.CLOSED, "staff"),
}


@dataclass
class PledgeRelations:
    """The many-valued parts of a pledge as saved from the form (model instances or querysets)."""

    focus_areas: list = field(default_factory=list)
    pillars: list = field(default_factory=list)
    pledge_types: list = field(default_factory=list)
    beneficiary_countries: list = field(default_factory=list)
    regions: list = field(default_factory=list)
    sdgs: list = field(default_factory=list)
    beneficiary_groups: list = field(default_factory=list)
    connectivity_targets: list = field(default_factory=list)
    partnership_needs: list = field(default_factory=list)
    partners: list[Organisation] = field(default_factory=list)
    # Organisations not on the platform yet, invited by email: [(organisation name, email address)].
    partner_invitations: list[tuple[str, str]] = field(default_factory=list)
    # None keeps the deliverables as they are; a list replaces them (dicts of Deliverable fields, in order).
    deliverables: list[dict] | None = None

    def many(self) -> dict:
        return {
            "focus_areas": self.focus_areas,
            "pillars": self.pillars,
            "pledge_types": self.pledge_types,
            "beneficiary_countries": self.beneficiary_countries,
            "regions": self.regions,
            "sdgs": self.sdgs,
            "beneficiary_groups": self.beneficiary_groups,
            "connectivity_targets": self.connectivity_targets,
            "partnership_needs": self.partnership_needs,
        }


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


def _set_relations(pledge: Pledge, relations: PledgeRelations) -> None:
    for name, values in relations.many().items():
        getattr(pledge, name).set(values)
    if relations.deliverables is not None:
        _sync_deliverables(pledge, relations.deliverables)
    _sync_partners(pledge, relations.partners, relations.partner_invitations)


def _sync_deliverables(pledge: Pledge, rows: list[dict]) -> None:
    """Make the pledge's deliverables match ``rows`` (in order), keeping rows that carry the same ``id``."""
    keep = []
    existing = {d.pk: d for d in pledge.deliverables.all()}
    for order, row in enumerate(rows, start=1):
        values = {name: row.get(name) for name in revisions.DELIVERABLE_FIELDS}
        values["indicator"] = values["indicator"] or ""
        values["unit"] = values["unit"] or ""
        deliverable = existing.get(row.get("id")) or Deliverable(pledge=pledge)
        for name, value in values.items():
            setattr(deliverable, name, value)
        deliverable.order = order
        deliverable.save()
        keep.append(deliverable.pk)
    pledge.deliverables.exclude(pk__in=keep).delete()


def _invitation_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hashlib.sha256(token.encode()).hexdigest()


def _sync_partners(pledge: Pledge, organisations, invitations=()) -> None:
    """Invite the partner organisations chosen on the form; drop rows no longer chosen (not yet answered)."""
    from .tasks import send_partner_invitation_email

    wanted = {o.pk for o in organisations if o.pk != pledge.lead_organisation_id}
    pledge.partners.filter(organisation__isnull=False).exclude(organisation_id__in=wanted).delete()
    existing = set(pledge.partners.values_list("organisation_id", flat=True))
    new_rows = PledgePartner.objects.bulk_create(
        PledgePartner(pledge=pledge, organisation_id=org_id) for org_id in sorted(wanted - existing)
    )
    tokens = {}
    known_emails = set(pledge.partners.exclude(invited_email="").values_list("invited_email", flat=True))
    for name, email in invitations:
        if email.lower() in {e.lower() for e in known_emails}:
            continue
        token, digest = _invitation_token()
        row = PledgePartner.objects.create(
            pledge=pledge, invited_name=name, invited_email=email, token_hash=digest
        )
        tokens[row.pk] = token
        known_emails.add(email)
        new_rows.append(row)
    language = translation.get_language() or settings.LANGUAGE_CODE  # the inviter's, for addresses only
    for row in new_rows:
        row_id, token = row.pk, tokens.get(row.pk, "")
        transaction.on_commit(
            lambda row_id=row_id, token=token: send_partner_invitation_email.delay(row_id, token, language)
        )


@transaction.atomic
def pledge_save(*, pledge: Pledge, by, relations: PledgeRelations) -> Pledge:
    """Save a new or editable pledge (draft or changes requested) with its relations, deliverables and partners.

    Args:
        pledge: an unsaved pledge (with ``lead_organisation`` set) or a saved one in an editable state.
        by: the member saving it.
        relations: focus areas, pillars, pledge types, countries, regions, SDGs, groups, targets, partners,
            partner invitations by email, and deliverables.
    Raises:
        TransitionNotAllowed: the pledge is no longer editable in place (a published pledge gets a revision).
    """
    if pledge.pk:
        current = Pledge.objects.select_for_update().values_list("status", flat=True).get(pk=pledge.pk)
        if current not in EDITABLE_STATUSES:
            raise TransitionNotAllowed(
                _("This pledge can no longer be edited (status: %(status)s).") % {"status": S(current).label}
            )
    else:
        pledge.public_id = pledge_public_id_next(year=timezone.localdate().year)
        pledge.created_by = by
        if pledge.focal_point_id is None:
            pledge.focal_point = by
    _apply_usd_value(pledge)
    pledge._change_reason = "saved"
    if pledge.pk:
        # Never write the workflow fields from a form save: a concurrent submit must not be undone.
        pledge.save(
            update_fields=[f.name for f in Pledge._meta.concrete_fields if f.name not in WORKFLOW_FIELDS]
        )
    else:
        pledge.save()
    _set_relations(pledge, relations)
    refresh_search_fields(pledge)
    return pledge


def pledge_missing_for_submit(*, pledge: Pledge) -> list[str]:
    """What a pledge still lacks before it can be submitted, as translated phrases (empty when complete).

    The rule (issue "complete pledge"): a title, a summary or description, a focus area, a pledge type, at
    least one deliverable with a date, start and end dates, and beneficiary countries, regions or "global".
    """
    missing = []
    if not pledge.title.strip():
        missing.append(_("a title"))
    if not pledge.description.strip() and not pledge.summary.strip():
        missing.append(_("a summary or description"))
    if not pledge.focus_areas.exists():
        missing.append(_("at least one focus area"))
    if not pledge.pledge_types.exists():
        missing.append(_("at least one pledge type"))
    if not pledge.deliverables.filter(due_date__isnull=False).exists():
        missing.append(_("at least one deliverable with a date"))
    if not pledge.is_global and not pledge.beneficiary_countries.exists() and not pledge.regions.exists():
        missing.append(_("beneficiary countries or regions, or “global”"))
    if pledge.start_date is None:
        missing.append(_("a start date"))
    if pledge.end_date is None:
        missing.append(_("an end date"))
    return missing


def _transition(*, pledge: Pledge, action: str, by, reason: str = "") -> PledgeTransition:
    allowed_from, to, _who = TRANSITIONS[action]
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
    if to == S.PUBLISHED and locked.published_at is None:
        locked.published_at = now
    locked._change_reason = f"{record.from_status} → {to}"
    locked.save()
    pledge.refresh_from_db()
    from p2c.outbox import enqueue_on_commit

    from .tasks import send_pledge_transition_email

    enqueue_on_commit(send_pledge_transition_email, record.pk)  # outbox: sent once the broker is reachable
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
    if pledge.status not in EDITABLE_STATUSES:
        return _transition(pledge=pledge, action="submit", by=by)  # raises with the current status
    missing = pledge_missing_for_submit(pledge=pledge)
    if missing:
        raise ApplicationError(_("This pledge cannot be submitted yet."), extra={"missing": missing})
    return _transition(pledge=pledge, action="submit", by=by)


@transaction.atomic
def pledge_publish(*, pledge: Pledge, by, note: str = "") -> PledgeTransition:
    """Publish a submitted pledge.

    Raises:
        TransitionNotAllowed: it is not submitted, or its organisation is not verified by the Secretariat.
    """
    from organisations.selectors import organisation_can_publish

    allowed, reason = organisation_can_publish(Organisation.objects.get(pk=pledge.lead_organisation_id))
    if not allowed:
        raise TransitionNotAllowed(reason)
    return _transition(pledge=pledge, action="publish", by=by, reason=(note or "").strip())


@transaction.atomic
def pledge_request_changes(*, pledge: Pledge, by, reason: str) -> PledgeTransition:
    """Return a submitted pledge to its organisation with the changes asked for (``reason`` required)."""
    return _transition(pledge=pledge, action="request_changes", by=by, reason=_require_reason(reason))


@transaction.atomic
def pledge_reject(*, pledge: Pledge, by, reason: str) -> PledgeTransition:
    """Reject a submitted pledge (``reason`` required). Rejected pledges are final."""
    return _transition(pledge=pledge, action="reject", by=by, reason=_require_reason(reason))


@transaction.atomic
def pledge_withdraw(*, pledge: Pledge, by, reason: str) -> PledgeTransition:
    """The lead organisation withdraws its published pledge (``reason`` required; shown to the Secretariat)."""
    return _transition(pledge=pledge, action="withdraw", by=by, reason=_require_reason(reason))


@transaction.atomic
def pledge_request_completion(*, pledge: Pledge, by, note: str) -> PledgeTransition:
    """The lead organisation marks its published pledge completed, with a final note, for confirmation."""
    return _transition(pledge=pledge, action="request_completion", by=by, reason=_require_reason(note))


@transaction.atomic
def pledge_confirm_completion(*, pledge: Pledge, by, note: str = "") -> PledgeTransition:
    """The Secretariat confirms that the pledge was completed."""
    return _transition(pledge=pledge, action="confirm_completion", by=by, reason=(note or "").strip())


@transaction.atomic
def pledge_decline_completion(*, pledge: Pledge, by, reason: str) -> PledgeTransition:
    """The Secretariat does not confirm completion: the pledge is published (ongoing) again."""
    return _transition(pledge=pledge, action="decline_completion", by=by, reason=_require_reason(reason))


@transaction.atomic
def pledge_close(*, pledge: Pledge, by, note: str = "") -> PledgeTransition:
    """The Secretariat closes a completed pledge: from then on it is read-only."""
    return _transition(pledge=pledge, action="close", by=by, reason=(note or "").strip())


@transaction.atomic
def pledge_propose_revision(*, pledge: Pledge, by, data: dict) -> PledgeRevision:
    """Store an edit of a published pledge as its pending revision (one per pledge; a new edit updates it).

    Args:
        data: the proposed content in the shape of ``revisions.pledge_as_data``.
    Raises:
        TransitionNotAllowed: the pledge is not published.
        ApplicationError: nothing differs from the published version.
    """
    locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if locked.status not in REVISABLE_STATUSES:
        raise TransitionNotAllowed(_("Only a published pledge can be revised."))
    if not revisions.revision_differences(revisions.pledge_as_data(locked), data):
        raise ApplicationError(_("Nothing was changed."))
    revision, _created = PledgeRevision.objects.update_or_create(
        pledge=locked, status=PledgeRevision.Status.PENDING, defaults={"data": data, "created_by": by}
    )
    return revision


@transaction.atomic
def pledge_revision_approve(*, revision: PledgeRevision, by) -> Pledge:
    """Apply a pending revision to its published pledge (moderator). Raises ApplicationError if not pending."""
    revision = PledgeRevision.objects.select_for_update().select_related("pledge").get(pk=revision.pk)
    if revision.status != PledgeRevision.Status.PENDING:
        raise ApplicationError(_("This revision was already decided."))
    pledge = Pledge.objects.select_for_update().get(pk=revision.pledge_id)
    pledge, many, deliverables = revisions.apply_data(pledge, revision.data)
    _apply_usd_value(pledge)
    pledge._change_reason = f"revision {revision.pk} approved"
    pledge.save()
    for name, values in many.items():
        getattr(pledge, name).set(values)
    _sync_deliverables(pledge, deliverables)
    refresh_search_fields(pledge)
    revision.status = PledgeRevision.Status.APPROVED
    revision.decided_by, revision.decided_at = by, timezone.now()
    revision.save()
    return pledge


@transaction.atomic
def pledge_revision_reject(*, revision: PledgeRevision, by, reason: str) -> PledgeRevision:
    """Refuse a pending revision (``reason`` required); the published version stays."""
    reason = _require_reason(reason)
    revision = PledgeRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.status != PledgeRevision.Status.PENDING:
        raise ApplicationError(_("This revision was already decided."))
    revision.status = PledgeRevision.Status.REJECTED
    revision.decided_by, revision.decided_at, revision.reason = by, timezone.now(), reason
    revision.save()
    return revision


@transaction.atomic
def partner_respond(
    *, partner: PledgePartner, by, confirm: bool, role: str = "", share_percent=None
) -> PledgePartner:
    """Record a partner organisation's confirmation (with its role and optional share of the value) or refusal.

    Raises:
        ApplicationError: the partner already answered, or the shares of all confirmed partners would exceed 100%.
    """
    locked = PledgePartner.objects.select_for_update().select_related("pledge").get(pk=partner.pk)
    if locked.status != PledgePartner.Status.INVITED:
        raise ApplicationError(_("Your organisation has already answered this invitation."))
    if locked.pledge.status not in OPEN_FOR_PARTNERS:
        raise ApplicationError(
            _("This pledge is %(status)s: its partners can no longer change.")
            % {"status": locked.pledge.get_status_display()}
        )
    if confirm and share_percent is not None:
        taken = sum(
            p.share_percent or 0
            for p in PledgePartner.objects.filter(
                pledge_id=locked.pledge_id, status=PledgePartner.Status.CONFIRMED
            )
        )
        if taken + share_percent > 100:
            raise ApplicationError(
                _("The partners' shares would add up to more than 100%% (already %(taken)s%% confirmed).")
                % {"taken": taken}
            )
    locked.status = PledgePartner.Status.CONFIRMED if confirm else PledgePartner.Status.DECLINED
    locked.role = role if confirm else ""
    locked.share_percent = share_percent if confirm else None
    locked.responded_at = timezone.now()
    locked.responded_by = by
    locked.save()
    refresh_search_fields(locked.pledge)
    return locked


def partner_invitation_for_token(token: str) -> PledgePartner | None:
    """The open email invitation whose link carries ``token`` (None when unknown or already used)."""
    digest = hashlib.sha256((token or "").encode()).hexdigest()
    return (
        PledgePartner.objects.select_related("pledge", "pledge__lead_organisation")
        .filter(token_hash=digest, organisation__isnull=True, status=PledgePartner.Status.INVITED)
        .first()
    )


@transaction.atomic
def partner_claim(*, token: str, organisation: Organisation, by) -> PledgePartner:
    """Attach the organisation of the person who followed an email invitation to its partner row.

    Raises:
        ApplicationError: the link is unknown or used, or the organisation is already in the pledge.
    """
    row = partner_invitation_for_token(token)
    if row is None:
        raise ApplicationError(_("This invitation link is not valid any more."))
    row = PledgePartner.objects.select_for_update().get(pk=row.pk)
    if (
        organisation.pk == row.pledge.lead_organisation_id
        or row.pledge.partners.filter(organisation=organisation).exists()
    ):
        raise ApplicationError(_("%(name)s is already part of this pledge.") % {"name": organisation.name})
    row.organisation = organisation
    row.token_hash = ""
    row.save()
    return row


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
    for name, values in relations.many().items():
        getattr(pledge, name).set(values)
    if relations.deliverables:
        _sync_deliverables(pledge, relations.deliverables)
    wanted = {o.pk for o in relations.partners if o.pk != organisation.pk}
    PledgePartner.objects.bulk_create(
        PledgePartner(
            pledge=pledge,
            organisation_id=org_id,
            status=PledgePartner.Status.CONFIRMED if confirmed_partners else PledgePartner.Status.INVITED,
            responded_at=published_at if confirmed_partners else None,
        )
        for org_id in sorted(wanted)
    )
    PledgeTransition.objects.create(
        pledge=pledge, from_status=S.DRAFT, to_status=S.PUBLISHED, by=None, reason="Loaded as published."
    )
    refresh_search_fields(pledge)
    return pledge
