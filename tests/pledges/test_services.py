"""The moderation workflow: every transition, allowed and refused, with its audit record and email."""

import pytest
from django.core import mail

from organisations.models import Membership
from p2c.exceptions import ApplicationError, TransitionNotAllowed
from pledges import services
from pledges.models import Pledge, PledgePartner, PledgeTransition
from reference.models import Country, Currency, FocusArea, PledgeType

from ..factories import OrganisationFactory, PledgeFactory, member

S = Pledge.Status
pytestmark = pytest.mark.django_db


def _pledge_in(status, *, staff):
    pledge = PledgeFactory()
    member(pledge.lead_organisation, Membership.Role.OWNER, email=f"owner-{pledge.pk}@example.org")
    pledge.status = status
    pledge.save()
    return pledge


DECISIONS = {
    "submit": lambda p, by: services.pledge_submit(pledge=p, by=by),
    "publish": lambda p, by: services.pledge_publish(pledge=p, by=by),
    "request_changes": lambda p, by: services.pledge_request_changes(pledge=p, by=by, reason="Add a date."),
    "reject": lambda p, by: services.pledge_reject(pledge=p, by=by, reason="Out of scope."),
    "withdraw": lambda p, by: services.pledge_withdraw(pledge=p, by=by, reason="Funding fell through."),
    "request_completion": lambda p, by: services.pledge_request_completion(pledge=p, by=by, note="All done."),
    "confirm_completion": lambda p, by: services.pledge_confirm_completion(pledge=p, by=by),
    "decline_completion": lambda p, by: services.pledge_decline_completion(
        pledge=p, by=by, reason="Not yet."
    ),
    "close": lambda p, by: services.pledge_close(pledge=p, by=by),
}
# (action, from status) -> resulting status; every other pair is refused. Written out by hand (not derived
# from services.TRANSITIONS) so that a change to the workflow has to change this table too.
ALLOWED = {
    ("submit", S.DRAFT): S.SUBMITTED,
    ("submit", S.CHANGES_REQUESTED): S.SUBMITTED,
    ("publish", S.SUBMITTED): S.PUBLISHED,
    ("request_changes", S.SUBMITTED): S.CHANGES_REQUESTED,
    ("reject", S.SUBMITTED): S.REJECTED,
    ("withdraw", S.PUBLISHED): S.WITHDRAWN,
    ("request_completion", S.PUBLISHED): S.COMPLETION_REQUESTED,
    ("confirm_completion", S.COMPLETION_REQUESTED): S.COMPLETED,
    ("decline_completion", S.COMPLETION_REQUESTED): S.PUBLISHED,
    ("close", S.COMPLETED): S.CLOSED,
}


@pytest.mark.parametrize("action", list(DECISIONS))
@pytest.mark.parametrize("status", list(S))
def test_every_transition_is_allowed_or_refused(
    action, status, staff_user, django_capture_on_commit_callbacks
):
    pledge = _pledge_in(status, staff=staff_user)
    target = ALLOWED.get((action, status))
    if target is None:
        with pytest.raises(TransitionNotAllowed):
            DECISIONS[action](pledge, staff_user)
        pledge.refresh_from_db()
        assert pledge.status == status
        assert not PledgeTransition.objects.filter(pledge=pledge).exists()
        return
    with django_capture_on_commit_callbacks(execute=True):
        record = DECISIONS[action](pledge, staff_user)
    pledge.refresh_from_db()
    assert pledge.status == target
    assert (record.from_status, record.to_status, record.by) == (status, target, staff_user)
    owner_mail = [m for m in mail.outbox if f"owner-{pledge.pk}@example.org" in m.to]
    assert len(owner_mail) == 1
    assert pledge.public_id in owner_mail[0].subject
    if record.reason:
        assert record.reason in owner_mail[0].body
    # The Secretariat hears of submissions only.
    assert any(staff_user.email in m.to for m in mail.outbox) == (target == S.SUBMITTED)


def test_publish_sets_published_at_and_keeps_history(staff_user):
    pledge = _pledge_in(S.SUBMITTED, staff=staff_user)
    services.pledge_publish(pledge=pledge, by=staff_user)
    pledge.refresh_from_db()
    assert pledge.published_at is not None
    assert pledge.history.count() >= 2


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_request_changes_and_reject_need_a_reason(reason, staff_user):
    pledge = _pledge_in(S.SUBMITTED, staff=staff_user)
    for service in (services.pledge_request_changes, services.pledge_reject):
        with pytest.raises(ApplicationError):
            service(pledge=pledge, by=staff_user, reason=reason)
    pledge.refresh_from_db()
    assert pledge.status == S.SUBMITTED


def test_incomplete_pledge_cannot_be_submitted_and_says_what_is_missing(owner, organisation):
    pledge = services.pledge_save(
        pledge=Pledge(lead_organisation=organisation, title="Only a title"),
        by=owner,
        relations=services.PledgeRelations(),
    )
    with pytest.raises(ApplicationError) as error:
        services.pledge_submit(pledge=pledge, by=owner)
    missing = error.value.extra["missing"]
    assert "at least one focus area" in missing
    assert "an end date" in missing
    assert "at least one deliverable with a date" in missing
    pledge.refresh_from_db()
    assert pledge.status == S.DRAFT


def test_saving_a_submitted_pledge_is_refused(owner):
    pledge = PledgeFactory(status=S.SUBMITTED)
    with pytest.raises(TransitionNotAllowed):
        services.pledge_save(pledge=pledge, by=owner, relations=services.PledgeRelations())


def test_public_ids_are_unique_and_sequential(owner, organisation):
    ids = [
        services.pledge_save(
            pledge=Pledge(lead_organisation=organisation, title=f"T{i}"),
            by=owner,
            relations=services.PledgeRelations(),
        ).public_id
        for i in range(3)
    ]
    assert len(set(ids)) == 3
    numbers = [int(i.rsplit("-", 1)[1]) for i in ids]
    assert numbers == sorted(numbers) and numbers[2] - numbers[0] == 2


def test_value_in_euro_gets_its_usd_equivalent_from_the_dated_rate(owner, organisation):
    pledge = Pledge(
        lead_organisation=organisation,
        title="Euro pledge",
        value_amount="1000000.00",
        value_currency=Currency.objects.get(code="EUR"),
    )
    services.pledge_save(pledge=pledge, by=owner, relations=services.PledgeRelations())
    pledge.refresh_from_db()
    assert str(pledge.value_usd) == "1053000.00"
    assert "European Central Bank" in pledge.usd_rate.source


def test_partners_are_invited_then_confirm_or_decline(owner, organisation):
    partner_org, other_org = OrganisationFactory(), OrganisationFactory()
    partner_editor = member(partner_org, Membership.Role.EDITOR)
    pledge = services.pledge_save(
        pledge=Pledge(lead_organisation=organisation, title="Joint"),
        by=owner,
        relations=services.PledgeRelations(
            focus_areas=list(FocusArea.objects.all()[:1]),
            pledge_types=list(PledgeType.objects.all()[:1]),
            beneficiary_countries=list(Country.objects.filter(iso2="MW")),
            partners=[partner_org, other_org, organisation],  # the lead itself is never its own partner
        ),
    )
    rows = {p.organisation_id: p for p in pledge.partners.all()}
    assert set(rows) == {partner_org.pk, other_org.pk}
    assert all(p.status == PledgePartner.Status.INVITED for p in rows.values())
    services.partner_respond(partner=rows[partner_org.pk], by=partner_editor, confirm=True)
    with pytest.raises(ApplicationError):
        services.partner_respond(partner=rows[partner_org.pk], by=partner_editor, confirm=False)
    assert PledgePartner.objects.get(pk=rows[partner_org.pk].pk).status == PledgePartner.Status.CONFIRMED


def test_an_unverified_organisation_cannot_have_a_pledge_published(staff_user):
    pledge = _pledge_in(S.SUBMITTED, staff=staff_user)
    org = pledge.lead_organisation
    org.verification = org.Verification.PENDING
    org.save()
    with pytest.raises(TransitionNotAllowed, match="not verified"):
        services.pledge_publish(pledge=pledge, by=staff_user)
    pledge.refresh_from_db()
    assert pledge.status == S.SUBMITTED


def test_a_published_pledge_keeps_its_first_publication_date_after_completion_is_declined(staff_user):
    pledge = _pledge_in(S.SUBMITTED, staff=staff_user)
    services.pledge_publish(pledge=pledge, by=staff_user)
    first = Pledge.objects.get(pk=pledge.pk).published_at
    services.pledge_request_completion(pledge=pledge, by=staff_user, note="Done")
    services.pledge_decline_completion(pledge=pledge, by=staff_user, reason="Not yet")
    assert Pledge.objects.get(pk=pledge.pk).published_at == first
