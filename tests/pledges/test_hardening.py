"""What an attacker or a hurried user tried: double submits, odd numbers, invisible titles, hidden drafts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from organisations.models import Organisation
from p2c.exceptions import ApplicationError
from pledges import services
from pledges.models import Pledge, PledgePartner

from ..factories import OrganisationFactory, PledgeFactory, UserFactory, published_pledge
from .test_views import GOOD

pytestmark = pytest.mark.django_db


def _create(client, organisation, **overrides):
    return client.post(
        reverse("pledges:create") + f"?organisation={organisation.slug}",
        {**GOOD, "organisation": organisation.slug, **overrides},
    )


def test_the_same_pledge_form_sent_twice_registers_one_pledge(client, owner, organisation):
    client.force_login(owner)
    _create(client, organisation, form_token="tok-123")
    response = _create(client, organisation, form_token="tok-123")
    assert Pledge.objects.count() == 1
    assert response.status_code == 302 and response["Location"] == reverse("pledges:workspace")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("25,000,000", "25000000.00"),
        ("25 000 000", "25000000.00"),
        ("10000000000000", "10000000000000.00"),
        ("1500000.5", "1500000.50"),
    ],
)
def test_amounts_as_people_type_them(client, owner, organisation, typed, stored):
    client.force_login(owner)
    assert _create(client, organisation, value_amount=typed).status_code == 302
    assert str(Pledge.objects.get().value_amount) == stored


def test_an_amount_above_ten_trillion_is_refused_with_one_message(client, owner, organisation):
    client.force_login(owner)
    response = _create(client, organisation, value_amount="10000000000000.01")
    assert response.context["form"].errors["value_amount"] == [
        "The amount can be at most 10,000,000,000,000."
    ]


@pytest.mark.parametrize("title", ["\u200b\u200b", " \u200d\ufeff ", "\u00a0"])
def test_a_title_of_invisible_characters_is_refused(client, owner, organisation, title):
    client.force_login(owner)
    response = _create(client, organisation, title=title)
    assert "Please give the pledge a title." in str(response.context["form"].errors["title"])
    assert not Pledge.objects.exists()


def test_a_huge_partner_id_is_just_an_unknown_choice(client, owner, organisation):
    client.force_login(owner)
    response = _create(client, organisation, partners=["9223372036854775808"])
    assert response.status_code == 200
    assert "not a known choice" in str(response.context["form"].errors["partners"])


def test_the_partner_picker_offers_verified_organisations_only(client, owner, organisation):
    OrganisationFactory(name="Pending Org", verification=Organisation.Verification.PENDING)
    OrganisationFactory(name="Verified Org")
    client.force_login(owner)
    html = client.get(reverse("pledges:create") + f"?organisation={organisation.slug}").content.decode()
    assert "Verified Org" in html and "Pending Org" not in html


def test_staff_without_the_view_permission_do_not_see_drafts(client):
    draft = PledgeFactory()
    client.force_login(UserFactory(is_staff=True))
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_a_partner_cannot_answer_for_a_rejected_pledge(owner, organisation):
    pledge = PledgeFactory(lead_organisation=organisation, status=Pledge.Status.REJECTED)
    partner_org = OrganisationFactory()
    row = PledgePartner.objects.create(pledge=pledge, organisation=partner_org)
    with pytest.raises(ApplicationError, match="can no longer change"):
        services.partner_respond(partner=row, by=owner, confirm=True)


def test_a_form_save_never_undoes_a_submit(owner, organisation):
    """A stale form (loaded while the pledge was a draft) saved after the submit: the status stays submitted."""
    pledge = PledgeFactory(lead_organisation=organisation)
    stale = Pledge.objects.get(pk=pledge.pk)
    services.pledge_submit(pledge=pledge, by=owner)
    stale.title = "Edited in another tab"
    with pytest.raises(services.TransitionNotAllowed):
        services.pledge_save(pledge=stale, by=owner, relations=services.PledgeRelations())
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.SUBMITTED
    assert pledge.title != "Edited in another tab"


def test_whole_amounts_are_shown_without_cents(client):
    pledge = published_pledge(value="2000000000")
    html = client.get(pledge.get_absolute_url()).content.decode()
    assert "$2,000,000,000" in html and "$2,000,000,000.00" not in html
    assert Decimal(pledge.value_amount) == Decimal("2000000000")
