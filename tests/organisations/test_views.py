"""Organisation pages: registration with the duplicate check, the profile, members, invitations, joining,
switching, and bad input shown as typed and escaped everywhere."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from organisations import services
from organisations.models import FormerSlug, Invitation, JoinRequest, Membership, Organisation
from organisations.selectors import CURRENT_ORGANISATION_SESSION_KEY
from pledges.forms import PledgeForm
from reference.models import StakeholderType

from ..factories import OrganisationFactory, UserFactory, member, published_pledge

pytestmark = pytest.mark.django_db
Role = Membership.Role

NASTY = "<img src=x onerror=alert(1)> {{ 7*7 }} \u200fمنظمة\u200e 🌍"
NASTY_ESCAPED = "&lt;img src=x onerror=alert(1)&gt; {{ 7*7 }} \u200fمنظمة\u200e 🌍"


def _government():
    return StakeholderType.objects.get(slug="government").pk


def test_registering_a_close_name_offers_to_join_the_existing_organisation(client):
    existing = OrganisationFactory(name="Ministry of ICT")
    client.force_login(UserFactory())
    url = reverse("organisations:create")
    data = {
        "name": "Ministry of I.C.T.",
        "stakeholder_type": _government(),
        "description": "Typed description",
        "consent_publish": "on",
    }
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("organisations:join", kwargs={"slug": existing.slug}) in html
    assert "Typed description" in html
    assert Organisation.objects.count() == 1
    response = client.post(url, {**data, "confirm_distinct": "on"})
    assert response.status_code == 302
    assert Organisation.objects.filter(name="Ministry of I.C.T.", verification="pending").exists()


def test_the_public_profile_shows_figures_and_published_pledges(client):
    org = OrganisationFactory(
        name="Internet Society", description="We connect people.", website="https://isoc.example"
    )
    published_pledge(org, title="Community networks", value="1500000", currency="USD", countries=("MW", "NP"))
    lead = OrganisationFactory(name="Lead")
    published_pledge(lead, title="Joint work", partners=[org])
    html = client.get(org.get_absolute_url()).content.decode()
    assert "Community networks" in html and "Joint work" in html
    figures = re.search(r'id="organisation-figures".*?</dl>', html, re.S).group(0)
    assert "1,500,000" in figures and ">2<" in figures.replace(" ", "")
    assert "We connect people." in html and "https://isoc.example" in html


def test_a_pending_organisation_is_not_public(client):
    org = OrganisationFactory(verification=Organisation.Verification.PENDING)
    assert client.get(org.get_absolute_url()).status_code == 404
    client.force_login(member(org, Role.VIEWER))
    assert client.get(org.get_absolute_url()).status_code == 200


def test_the_address_of_a_merged_organisation_redirects_to_the_survivor(client, staff_user):
    survivor, merged = OrganisationFactory(), OrganisationFactory()
    services.organisation_merge(survivor=survivor, merged=merged, by=staff_user)
    response = client.get(f"/organisations/{merged.slug}/")
    assert response.status_code == 301 and response["Location"] == survivor.get_absolute_url()
    assert FormerSlug.objects.count() == 1


def test_owner_invites_and_the_invitee_signs_up_and_lands_in_the_organisation(
    client, django_capture_on_commit_callbacks
):
    org = OrganisationFactory()
    owner = member(org, Role.OWNER)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organisations:invite", kwargs={"slug": org.slug}),
            {"email": "new@example.org", "role": "editor"},
        )
    assert response.status_code == 302
    client.logout()
    link = re.search(r"https?://\S+/invitations/(\S+)/", mail.outbox[-1].body)
    token = link.group(1)
    url = reverse("organisations:invitation", kwargs={"token": token})
    page = client.get(url)
    assert page.status_code == 200 and "Sign up and join" in page.content.decode()
    response = client.post(url, {"action": "signup"})
    assert (
        response["Location"].startswith(reverse("account_signup"))
        and "email=new%40example.org" in response["Location"]
    )
    client.post(
        response["Location"],
        {
            "email": "new@example.org",
            "password1": "a-long-unusual-passphrase-1",
            "password2": "a-long-unusual-passphrase-1",
        },
    )
    confirm = re.search(r"https?://\S+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    response = client.post(confirm)
    assert response.status_code == 302
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == reverse("organisations:members", kwargs={"slug": org.slug})
    invitee = Membership.objects.get(organisation=org, user__email="new@example.org")
    assert invitee.role == Role.EDITOR
    assert client.session[CURRENT_ORGANISATION_SESSION_KEY] == org.pk
    assert Invitation.objects.get().status == Invitation.Status.ACCEPTED


def test_an_invitation_link_for_another_address_is_refused(client, organisation, owner):
    _, token = services.invitation_create(
        organisation=organisation, email="a@example.org", role="owner", by=owner
    )
    intruder = UserFactory(email="intruder@example.org")
    client.force_login(intruder)
    url = reverse("organisations:invitation", kwargs={"token": token})
    assert "another email address" in client.get(url).content.decode()
    client.post(url, {"action": "accept"})
    assert not Membership.objects.filter(user=intruder).exists()


def test_an_unknown_invitation_token_gives_404(client):
    assert client.get(reverse("organisations:invitation", kwargs={"token": "x" * 43})).status_code == 404


def test_anyone_holding_the_link_can_decline(client, organisation, owner):
    invitation, token = services.invitation_create(
        organisation=organisation, email="d@example.org", role="viewer", by=owner
    )
    client.post(reverse("organisations:invitation", kwargs={"token": token}), {"action": "decline"})
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED


def test_join_request_through_the_profile_then_owner_approves(client, organisation, owner):
    requester = UserFactory()
    client.force_login(requester)
    client.post(
        reverse("organisations:join", kwargs={"slug": organisation.slug}), {"message": "I run the ICT unit."}
    )
    join_request = JoinRequest.objects.get()
    client.force_login(owner)
    page = client.get(reverse("organisations:members", kwargs={"slug": organisation.slug})).content.decode()
    assert "I run the ICT unit." in page
    client.post(
        reverse(
            "organisations:join_request_decide", kwargs={"slug": organisation.slug, "pk": join_request.pk}
        ),
        {"decision": "approve", "role": "reporter"},
    )
    assert Membership.objects.get(user=requester).role == Role.REPORTER


def test_members_page_refuses_to_leave_the_organisation_without_owner(client, organisation, owner):
    member(organisation, Role.EDITOR)
    client.force_login(owner)
    mine = Membership.objects.get(user=owner)
    response = client.post(
        reverse("organisations:member_role", kwargs={"slug": organisation.slug, "pk": mine.pk}),
        {"role": "viewer"},
        follow=True,
    )
    assert "at least one owner" in response.content.decode()
    assert Membership.objects.get(user=owner).role == Role.OWNER


def test_another_organisations_member_id_gives_404(client, organisation, owner):
    other = OrganisationFactory()
    stranger = Membership.objects.get(user=member(other, Role.EDITOR))
    client.force_login(owner)
    response = client.post(
        reverse("organisations:member_remove", kwargs={"slug": organisation.slug, "pk": stranger.pk})
    )
    assert response.status_code == 404
    assert Membership.objects.filter(pk=stranger.pk).exists()


def test_a_member_of_several_organisations_switches_between_them(client):
    first, second = OrganisationFactory(name="Alpha"), OrganisationFactory(name="Beta")
    user = member(first, Role.OWNER)
    Membership.objects.create(organisation=second, user=user, role=Role.VIEWER)
    client.force_login(user)
    html = client.get(reverse("organisations:mine")).content.decode()
    assert 'id="organisation-switcher"' in html
    response = client.post(
        reverse("organisations:switch"), {"organisation": second.slug, "next": "/my/organisations/"}
    )
    assert response["Location"] == "/my/organisations/"
    assert client.session[CURRENT_ORGANISATION_SESSION_KEY] == second.pk
    not_mine = OrganisationFactory()
    assert client.post(reverse("organisations:switch"), {"organisation": not_mine.slug}).status_code == 404
    assert client.session[CURRENT_ORGANISATION_SESSION_KEY] == second.pk


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "/\\evil.example", "https:evil.example", "/%09/evil.example", "https://evil.example/"],
)
def test_switching_never_redirects_off_the_site(client, target):
    org = OrganisationFactory()
    client.force_login(member(org, Role.OWNER))
    from urllib.parse import unquote

    response = client.post(
        reverse("organisations:switch"), {"organisation": org.slug, "next": unquote(target)}
    )
    assert response["Location"] == reverse("pledges:workspace")


# --- bad input ---


def test_names_and_descriptions_show_as_typed_and_escaped_on_pages(client):
    owner = UserFactory()
    client.force_login(owner)
    client.post(
        reverse("organisations:create"),
        {
            "name": NASTY,
            "stakeholder_type": _government(),
            "description": NASTY,
            "confirm_distinct": "on",
            "consent_publish": "on",
        },
    )
    org = Organisation.objects.get()
    assert org.name == NASTY.strip() and re.fullmatch(r"[a-z0-9-]+", org.slug)
    for url in (
        org.get_absolute_url(),
        reverse("organisations:members", kwargs={"slug": org.slug}),
        reverse("organisations:mine"),
        reverse("pledges:workspace"),
    ):
        html = client.get(url).content.decode()
        assert "<img src=x" not in html, url
        assert NASTY_ESCAPED in html, url


def test_bad_input_is_escaped_in_the_partner_picker_options():
    lead = OrganisationFactory()
    OrganisationFactory(name=NASTY)
    html = str(PledgeForm(lead_organisation=lead)["partners"])
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_bad_input_is_kept_as_typed_in_emails(organisation, owner, django_capture_on_commit_callbacks):
    organisation.name = NASTY
    organisation.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(organisation=organisation, email="e@example.org", role="viewer", by=owner)
    message = mail.outbox[-1]
    assert NASTY in message.body and NASTY in message.subject
    assert "&lt;" not in message.body


def test_bad_input_is_escaped_in_the_admin(client, staff_user):
    org = OrganisationFactory(name=NASTY, description=NASTY)
    client.force_login(staff_user)
    for url in (
        reverse("admin:organisations_organisation_changelist"),
        reverse("admin:organisations_organisation_change", args=[org.pk]),
        reverse("admin:organisations_organisation_history", args=[org.pk]),
    ):
        html = client.get(url).content.decode()
        assert "<img src=x" not in html, url
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, url
