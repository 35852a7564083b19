"""In Chromium, through the real server: an owner invites someone who has no account yet; the invitee signs up
through the link, confirms the email, lands in the organisation and edits a pledge as an editor. And the
Secretariat's enforced path: a staff member without two-factor authentication is sent to set it up before the
admin, then logs in with a code."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail

from organisations.models import Membership
from pledges.models import Pledge

from ..factories import OrganisationFactory, PledgeFactory, UserFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "an-invitee-passphrase-2031"


def _link(email, pattern):
    for message in reversed(mail.outbox):
        if email in message.to:
            found = re.search(pattern, message.body)
            if found:
                return found.group(0)
    raise AssertionError(f"no email to {email} matching {pattern}: {[m.subject for m in mail.outbox]}")


def _log_in(page, base, email, password, next_url=""):
    page.goto(f"{base}/accounts/login/{next_url}")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def test_invited_person_signs_up_lands_in_the_organisation_and_edits_a_pledge(live_server, page, settings):
    settings.SITE_URL = live_server.url
    base = live_server.url
    organisation = OrganisationFactory(name="Ministry of ICT, Malawi")
    owner = member(organisation, Membership.Role.OWNER, email="owner@ministry.example")
    pledge = PledgeFactory(lead_organisation=organisation, title="Connect rural schools")

    # The owner invites a colleague as editor from the members page.
    _log_in(page, base, owner.email, PASSWORD)
    page.goto(f"{base}/my/organisations/{organisation.slug}/")
    page.fill("#invite-email", "colleague@ministry.example")
    page.select_option("#invite-role", "editor")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_load_state()
    assert "An invitation was sent to colleague@ministry.example" in page.content()

    # The colleague, with no account yet, opens the link in another browser, signs up and confirms.
    invitee = page.context.browser.new_context(locale="en-GB").new_page()
    invitee.goto(
        _link("colleague@ministry.example", r"https?://\S+/invitations/\S+/").replace(
            "http://testserver", base
        )
    )
    assert "Invitation to join" in invitee.get_by_role("heading", level=1).inner_text()
    invitee.get_by_role("button", name="Sign up and join").click()
    invitee.wait_for_load_state()
    assert invitee.input_value("input[name=email]") == "colleague@ministry.example"
    invitee.fill("input[name=password1]", NEW_PASSWORD)
    invitee.fill("input[name=password2]", NEW_PASSWORD)
    invitee.get_by_role("button", name="Sign Up").click()
    invitee.wait_for_load_state()
    invitee.goto(
        _link("colleague@ministry.example", r"https?://\S+/accounts/confirm-email/\S+").replace(
            "http://testserver", base
        )
    )
    invitee.get_by_role("button", name="Confirm").click()
    invitee.wait_for_load_state()

    # They land in the organisation, as editor.
    assert invitee.url.endswith(f"/my/organisations/{organisation.slug}/")
    assert invitee.get_by_role("heading", level=1).inner_text() == "Ministry of ICT, Malawi"
    assert "Welcome to Ministry of ICT, Malawi" in invitee.content()
    assert (
        Membership.objects.get(organisation=organisation, user__email="colleague@ministry.example").role
        == "editor"
    )

    # As editor they edit the organisation's draft pledge.
    invitee.goto(f"{base}/my/pledges/{pledge.public_id}/edit/")
    invitee.fill("input[name=title]", "Connect 1,000 rural schools")
    invitee.get_by_role("button", name="Save draft").click()
    invitee.wait_for_load_state()
    assert "Your draft is saved" in invitee.content()
    assert Pledge.objects.get(pk=pledge.pk).title == "Connect 1,000 rural schools"

    # The link was single-use.
    invitee.context.clear_cookies()
    invitee.goto(
        _link("colleague@ministry.example", r"https?://\S+/invitations/\S+/").replace(
            "http://testserver", base
        )
    )
    assert "already accepted" in invitee.content()


def _in_admin(page):
    """The admin's index page is showing (not a login or set-up page)."""
    return page.url.endswith("/admin/") and page.locator("#site-name").count() == 1


def _current_code(secret):
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_staff_must_set_up_two_factor_authentication_before_the_admin(live_server, page, settings):
    settings.P2C_STAFF_MFA_REQUIRED = True
    base = live_server.url
    staff = UserFactory(email="moderator@secretariat.example", is_staff=True, is_superuser=True)

    # The admin login goes through allauth; then the set-up page comes before any admin page.
    page.goto(f"{base}/admin/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=login]", staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    # allauth asks for the password once more before a second factor is added (its reauthentication).
    assert "/accounts/reauthenticate/" in page.url and "2fa%2Ftotp%2Factivate" in page.url
    assert "Staff accounts need two-factor authentication" in page.content()
    page.goto(f"{base}/admin/organisations/organisation/")
    assert "/accounts/2fa/totp/activate/" in page.url or "2fa%2Ftotp%2Factivate" in page.url
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    assert "/accounts/2fa/totp/activate/" in page.url

    secret = page.input_value("#authenticator_secret")
    page.fill("input[name=code]", _current_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_load_state()
    assert Authenticator.objects.filter(user=staff, type="totp").exists()
    page.goto(f"{base}/admin/")
    assert _in_admin(page)

    # Next login: password, then a code (here a recovery code: the app's current code was just used).
    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_load_state()
    if page.get_by_role("button", name="Sign Out").count():
        page.get_by_role("button", name="Sign Out").click()
        page.wait_for_load_state()
    page.goto(f"{base}/admin/")
    page.fill("input[name=login]", staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    assert "/accounts/2fa/authenticate/" in page.url
    page.goto(f"{base}/admin/")
    assert not _in_admin(page) and "/accounts/2fa/authenticate/" in page.url  # the login waits for the code
    page.fill("input[name=code]", "12345678")
    page.get_by_role("button", name=re.compile("Sign In|Verify|Confirm")).click()
    page.wait_for_load_state()
    assert "/accounts/2fa/authenticate/" in page.url and not _in_admin(page)
    recovery = Authenticator.objects.get(user=staff, type="recovery_codes")
    page.fill("input[name=code]", RecoveryCodes(recovery).get_unused_codes()[0])
    page.get_by_role("button", name=re.compile("Sign In|Verify|Confirm")).click()
    page.wait_for_load_state()
    page.goto(f"{base}/admin/")
    assert _in_admin(page)
