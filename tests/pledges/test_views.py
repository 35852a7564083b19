"""The pledge form, the workspace and the marketplace through HTTP: bad input, scoping, filters."""

import pytest
from django.urls import reverse

from organisations.models import Membership
from pledges.models import Pledge

from ..factories import OrganisationFactory, PledgeFactory, member, published_pledge

pytestmark = pytest.mark.django_db

GOOD = {
    "title": "Connect 500 schools",
    "summary": "Schools online.",
    "description": "Fibre and satellite links for rural schools.",
    "focus_areas": ["access"],
    "pledge_types": ["programmatic"],
    "beneficiary_countries": ["MW", "ZM"],
    "start_date": "2025-01-01",
    "end_date": "2027-12-31",
    "value_amount": "1500000.50",
    "value_currency": "USD",
    "action": "save",
    # The deliverables and email-invitation formsets (Django management forms and one row each).
    "deliverables-TOTAL_FORMS": "1",
    "deliverables-INITIAL_FORMS": "0",
    "deliverables-0-title": "500 schools connected",
    "deliverables-0-due_date": "2026-06-30",
    "deliverables-0-indicator": "schools with a working link",
    "deliverables-0-target_value": "500",
    "deliverables-0-unit": "schools",
    "invitations-TOTAL_FORMS": "1",
    "invitations-INITIAL_FORMS": "0",
}


def _create_url(organisation):
    return reverse("pledges:create") + f"?organisation={organisation.slug}"


def test_member_saves_a_draft_then_submits_it(client, owner, organisation):
    client.force_login(owner)
    response = client.post(_create_url(organisation), {**GOOD, "organisation": organisation.slug})
    pledge = Pledge.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "pledges:edit", args=[pledge.public_id]
    )
    assert pledge.status == Pledge.Status.DRAFT
    assert sorted(pledge.beneficiary_countries.values_list("iso2", flat=True)) == ["MW", "ZM"]
    response = client.post(reverse("pledges:edit", args=[pledge.public_id]), {**GOOD, "action": "submit"})
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.SUBMITTED
    page = client.get(reverse("pledges:workspace"))
    assert pledge.public_id in page.content.decode()


def test_submitting_an_incomplete_pledge_keeps_the_draft_and_lists_what_is_missing(
    client, owner, organisation
):
    client.force_login(owner)
    data = {
        "title": "Just a title",
        "action": "submit",
        "organisation": organisation.slug,
        **{k: v for k, v in GOOD.items() if k.endswith("_FORMS")},
    }
    response = client.post(_create_url(organisation), data, follow=True)
    pledge = Pledge.objects.get()
    assert pledge.status == Pledge.Status.DRAFT and pledge.title == "Just a title"
    html = response.content.decode()
    assert "at least one focus area" in html and "an end date" in html


BAD_INPUT = [
    ("title", "   ", "Please give the pledge a title."),
    ("description", "x" * 100_000, "Ensure this value has at most 10000 characters"),
    ("end_date", "2024-01-01", "The end date cannot be before the start date."),
    ("start_date", "2014-12-31", "Enter a date between 2015 and 2045."),
    ("value_amount", "-5", "The amount must be more than 0."),
    ("value_amount", "0", "The amount must be more than 0."),
    ("value_amount", "1E1000000", "The amount has too many digits"),
    ("value_amount", "NaN", "Enter the amount as a number"),
    ("value_amount", "Infinity", "Enter the amount as a number"),
    ("value_amount", "9" * 10_000, "The amount has too many digits"),
    ("value_amount", "12.345", "Use at most 2 decimals."),
    ("value_amount", "twelve million", "Enter the amount as a number"),
    ("value_currency", "XYZ", "is not one of the available choices"),
    ("beneficiary_countries", ["MW", "QQ"], "“QQ” is not a known choice."),
    ("focus_areas", ["teleportation"], "“teleportation” is not a known choice."),
]


@pytest.mark.parametrize(
    ("field", "value", "message"), BAD_INPUT, ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(BAD_INPUT)]
)
def test_bad_input_gets_a_message_by_the_field_and_keeps_the_rest(
    client, owner, organisation, field, value, message
):
    client.force_login(owner)
    data = {**GOOD, field: value, "organisation": organisation.slug}
    response = client.post(_create_url(organisation), data)
    assert response.status_code == 200
    assert not Pledge.objects.exists()
    form = response.context["form"]
    assert field in form.errors or ("end_date" in form.errors and field == "end_date")
    assert message in str(form.errors), form.errors
    html = response.content.decode()
    # What else was typed is still in the form.
    for other in ("title", "summary", "description"):
        if other != field:
            assert GOOD[other] in html
    if field != "beneficiary_countries":
        assert 'value="ZM" selected' in html


def test_html_in_a_title_is_shown_as_text(client, owner, organisation):
    pledge = published_pledge(organisation, title="<img src=x onerror=alert(1)> {{ 7*7 }}")
    html = client.get(pledge.get_absolute_url()).content.decode()
    assert "<img src=x onerror" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; {{ 7*7 }}" in html


def test_drafts_of_another_organisation_are_404(client, owner):
    other = PledgeFactory()
    client.force_login(owner)
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(reverse("pledges:edit", args=[other.public_id])).status_code == 404
    assert (
        client.get(reverse("pledges:create") + f"?organisation={other.lead_organisation.slug}").status_code
        == 404
    )


def test_anonymous_sees_published_but_not_drafts(client):
    draft, live = PledgeFactory(), published_pledge()
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(live.get_absolute_url()).status_code == 200
    response = client.get(reverse("pledges:edit", args=[live.public_id]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_viewer_cannot_edit_and_reporter_cannot_edit(client, organisation):
    pledge = PledgeFactory(lead_organisation=organisation)
    for role in (Membership.Role.VIEWER, Membership.Role.REPORTER):
        client.force_login(member(organisation, role))
        assert client.get(reverse("pledges:edit", args=[pledge.public_id])).status_code == 404
        assert client.get(pledge.get_absolute_url()).status_code == 200


def test_only_the_partners_editor_can_answer_an_invitation(client, owner, organisation):
    pledge = PledgeFactory(lead_organisation=organisation)
    partner_org = OrganisationFactory()
    row = pledge.partners.create(organisation=partner_org)
    url = reverse("pledges:partner_respond", args=[row.pk])
    client.force_login(owner)  # the lead's owner is not the partner
    assert client.post(url, {"answer": "confirm"}).status_code == 404
    client.force_login(member(partner_org, Membership.Role.EDITOR))
    assert client.post(url, {"answer": "confirm"}).status_code == 302
    row.refresh_from_db()
    assert row.status == "confirmed"


class TestMarketplace:
    def test_filters_search_sort_and_pagination(self, client, settings):
        settings.P2C_PAGE_SIZE = 2
        gov = OrganisationFactory(name="Ministry of ICT of Malawi")
        a = published_pledge(gov, title="Schools in Malawi", countries=("MW",), value="10")
        b = published_pledge(
            title="Satellite for Tonga", countries=("TO",), focus_areas=("adoption",), value="99"
        )
        c = published_pledge(title="Global skills", countries=(), pledge_types=("advocacy",))
        PledgeFactory(title="Draft never listed")

        def ids(**params):
            response = client.get(reverse("pledges:marketplace"), params)
            assert response.status_code == 200
            return [p.public_id for p in response.context["page"].object_list]

        assert set(ids()) | set(ids(page=2)) == {a.public_id, b.public_id, c.public_id}
        assert ids(focus_area="adoption") == [b.public_id]
        assert ids(country="MW") == [a.public_id]
        assert ids(group="SIDS") == [b.public_id]  # Tonga is a SIDS
        assert ids(group="LDC") == [a.public_id]  # Malawi is an LDC
        assert ids(pledge_type="advocacy") == [c.public_id]
        assert ids(q="malawi") == [a.public_id]  # country name and organisation name
        assert ids(q="TON") == [b.public_id]  # ISO 3166 alpha-3
        assert ids(sort="value")[:2] == [b.public_id, a.public_id]

    @pytest.mark.parametrize(
        "params",
        [
            {"sort": "-id; DROP TABLE"},
            {"page": "-1"},
            {"page": "99999"},
            {"page": "abc"},
            {"country": "QQ"},
            {"focus_area": "nope"},
            {"group": "G77"},
            {"q": "x" * 5000},
        ],
    )
    def test_bad_parameters_never_500(self, client, params):
        published_pledge()
        assert client.get(reverse("pledges:marketplace"), params).status_code == 200
