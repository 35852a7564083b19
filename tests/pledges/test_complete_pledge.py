"""The complete pledge: deliverables, revisions of published pledges, the lifecycle after publication,
partners invited by email, duplicates."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from organisations.models import Membership
from p2c.exceptions import ApplicationError
from pledges import revisions, services
from pledges.models import Pledge, PledgePartner, PledgeRevision

from ..factories import OrganisationFactory, PledgeFactory, member, published_pledge
from .test_views import GOOD

pytestmark = pytest.mark.django_db


def _published(owner, organisation, **kwargs):
    pledge = published_pledge(organisation, title="Connect rural clinics", **kwargs)
    pledge.deliverables.create(title="100 clinics online", due_date="2026-12-31", target_value=Decimal("100"))
    return pledge


def test_submitting_needs_a_dated_deliverable(client, owner, organisation):
    client.force_login(owner)
    data = {**GOOD, "organisation": organisation.slug, "action": "submit", "deliverables-0-due_date": ""}
    client.post(reverse("pledges:create") + f"?organisation={organisation.slug}", data, follow=True)
    pledge = Pledge.objects.get()
    assert pledge.status == Pledge.Status.DRAFT
    assert pledge.deliverables.get().title == "500 schools connected"
    assert "at least one deliverable with a date" in services.pledge_missing_for_submit(pledge=pledge)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("deliverables-0-due_date", "1999-01-01", "Enter a date between 2015 and 2045."),
        ("deliverables-0-target_value", "NaN", "Enter the target as a number."),
        ("deliverables-0-target_value", "1.234", "Use at most 2 decimals."),
        ("deliverables-0-title", "", "Say what will be delivered."),
        ("deliverables-TOTAL_FORMS", "60", "Please submit at most 50 forms."),
    ],
)
def test_bad_deliverables_are_refused_by_the_field(client, owner, organisation, field, value, message):
    client.force_login(owner)
    response = client.post(
        reverse("pledges:create") + f"?organisation={organisation.slug}",
        {**GOOD, "organisation": organisation.slug, field: value},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert GOOD["description"] in response.content.decode()
    assert not Pledge.objects.exists()


def test_editing_a_published_pledge_waits_for_the_moderator(client, owner, organisation, staff_user):
    pledge = _published(owner, organisation)
    client.force_login(owner)
    data = {
        **GOOD,
        "title": "Connect 200 rural clinics",
        "focus_areas": ["access"],
        "pledge_types": ["financial"],
        "beneficiary_countries": ["MW"],
    }
    response = client.post(reverse("pledges:edit", args=[pledge.public_id]), data)
    assert response.status_code == 302
    revision = PledgeRevision.objects.get(pledge=pledge, status="pending")
    assert revision.data["title"] == "Connect 200 rural clinics"
    # The public still sees the published version.
    client.logout()
    assert "Connect rural clinics" in client.get(pledge.get_absolute_url()).content.decode()
    changes = {
        c["field"] for c in revisions.revision_differences(revisions.pledge_as_data(pledge), revision.data)
    }
    assert {"title", "deliverables"} <= changes
    services.pledge_revision_approve(revision=revision, by=staff_user)
    pledge.refresh_from_db()
    assert pledge.title == "Connect 200 rural clinics"
    assert pledge.status == Pledge.Status.PUBLISHED
    assert [d.title for d in pledge.deliverables.all()] == ["500 schools connected"]
    with pytest.raises(ApplicationError):
        services.pledge_revision_approve(revision=revision, by=staff_user)


def test_a_second_edit_updates_the_pending_revision(client, owner, organisation):
    pledge = _published(owner, organisation)
    client.force_login(owner)
    url = reverse("pledges:edit", args=[pledge.public_id])
    client.post(url, {**GOOD, "title": "First proposal"})
    client.post(url, {**GOOD, "title": "Second proposal"})
    assert PledgeRevision.objects.filter(pledge=pledge).count() == 1
    assert PledgeRevision.objects.get(pledge=pledge).data["title"] == "Second proposal"
    # The form shows the pending proposal, not the published version.
    assert 'value="Second proposal"' in client.get(url).content.decode()


def test_lead_withdraws_or_marks_completed_with_a_reason(client, owner, organisation, staff_user):
    pledge = _published(owner, organisation)
    client.force_login(owner)
    url = reverse("pledges:complete", args=[pledge.public_id])
    assert "Please give a reason" in client.post(url, {"reason": "  "}).content.decode()
    client.post(url, {"reason": "All 100 clinics are online."})
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.COMPLETION_REQUESTED
    assert client.get(reverse("pledges:withdraw", args=[pledge.public_id])).status_code == 302
    services.pledge_confirm_completion(pledge=pledge, by=staff_user)
    services.pledge_close(pledge=pledge, by=staff_user)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CLOSED
    assert client.get(pledge.get_absolute_url()).status_code == 200  # still public, read-only
    assert not client.get(pledge.get_absolute_url()).context["can_revise"]


def test_a_viewer_cannot_withdraw(client, organisation):
    pledge = published_pledge(organisation)
    client.force_login(member(organisation, Membership.Role.VIEWER))
    assert (
        client.post(reverse("pledges:withdraw", args=[pledge.public_id]), {"reason": "x"}).status_code == 404
    )
    assert Pledge.objects.get(pk=pledge.pk).status == Pledge.Status.PUBLISHED


def test_partner_invited_by_email_registers_claims_and_confirms(
    client, owner, organisation, settings, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    data = {
        **GOOD,
        "organisation": organisation.slug,
        "invitations-0-name": "Rural Broadband Trust",
        "invitations-0-email": "director@trust.example.org",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("pledges:create") + f"?organisation={organisation.slug}", data)
    row = PledgePartner.objects.get(invited_email="director@trust.example.org")
    assert row.organisation is None and row.status == "invited" and row.token_hash
    message = next(m for m in mail.outbox if "director@trust.example.org" in m.to)
    link = re.search(r"/my/partnerships/claim/(\S+)/", message.body)
    token = link.group(1)
    assert token not in row.token_hash  # only the hash is stored
    # The invitee registers their organisation, opens the link, chooses it, then confirms with role and share.
    trust = OrganisationFactory(name="Rural Broadband Trust")
    director = member(trust, Membership.Role.OWNER, email="director@trust.example.org")
    client.force_login(director)
    assert client.get(f"/my/partnerships/claim/{token}/").status_code == 200
    client.post(f"/my/partnerships/claim/{token}/", {"organisation": trust.slug})
    row.refresh_from_db()
    assert row.organisation == trust and row.token_hash == ""
    response = client.post(
        reverse("pledges:partner_respond", args=[row.pk]),
        {"answer": "confirm", "role": "funding", "share_percent": "40"},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.role, row.share_percent, row.iati_role) == (
        "confirmed",
        "funding",
        Decimal("40"),
        "1",
    )
    # The link cannot be used twice.
    assert client.get(f"/my/partnerships/claim/{token}/", follow=True).status_code == 200
    assert (
        "not valid any more" in client.get(f"/my/partnerships/claim/{token}/", follow=True).content.decode()
    )


def test_partner_shares_cannot_exceed_100_percent(owner, organisation):
    pledge = PledgeFactory(lead_organisation=organisation)
    a, b = OrganisationFactory(), OrganisationFactory()
    rows = [pledge.partners.create(organisation=a), pledge.partners.create(organisation=b)]
    services.partner_respond(
        partner=rows[0], by=member(a), confirm=True, role="funding", share_percent=Decimal("70")
    )
    with pytest.raises(ApplicationError, match="more than 100"):
        services.partner_respond(
            partner=rows[1], by=member(b), confirm=True, role="implementing", share_percent=Decimal("40")
        )


def test_public_page_shows_confirmed_partners_and_n_of_m(client, organisation):
    a, b = OrganisationFactory(name="Confirmed Partner Org"), OrganisationFactory(name="Silent Partner Org")
    pledge = published_pledge(organisation, partners=[a, b])
    pledge.partners.filter(organisation=b).update(status="invited")
    html = client.get(pledge.get_absolute_url()).content.decode()
    assert "Confirmed Partner Org" in html and "Silent Partner Org" not in html
    assert "1 of 2 partners confirmed" in html


def test_likely_duplicates_are_pointed_out(client, owner, organisation):
    published_pledge(organisation, title="Connect 1,000 rural schools in Malawi")
    draft = PledgeFactory(lead_organisation=organisation, title="Connect 1000 rural schools in Malawi!")
    client.force_login(owner)
    html = client.get(reverse("pledges:edit", args=[draft.public_id])).content.decode()
    assert "similar title" in html and "Connect 1,000 rural schools in Malawi" in html


def test_regions_and_group_flags_are_derived_from_countries(client, organisation):
    pledge = published_pledge(organisation, countries=("MW", "TO"))
    response = client.get(pledge.get_absolute_url())
    assert response.context["flags"] == {"LDC": True, "LLDC": True, "SIDS": True}
    names = {r["name"] for r in response.context["regions_derived"]}
    assert {"Africa", "Sub-Saharan Africa", "Oceania", "Polynesia"} <= names
