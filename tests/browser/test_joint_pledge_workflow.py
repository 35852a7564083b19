"""A joint pledge through the whole workflow in Chromium: the lead invites a partner, the partner confirms,
the moderator requests changes, the pledger resubmits, the moderator publishes, the pledger edits the published
pledge, and the moderator approves the revision (the public sees the change only then)."""

import re

import pytest

from organisations.models import Membership
from pledges.models import Pledge, PledgePartner, PledgeRevision

from ..factories import OrganisationFactory, UserFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


def _log_in(page, base, user):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def _admin_action(page, base, changelist, pk, action, reason=None, label=None):
    page.goto(f"{base}/admin/{changelist}/")
    page.check(f"input[name=_selected_action][value='{pk}']")
    page.select_option("select[name=action]", action)
    page.get_by_role("button", name="Go").click()
    page.wait_for_load_state()
    if label:
        if reason:
            page.fill("textarea[name=reason]", reason)
        page.locator(f"input[type=submit][value='{label}']").click()
        page.wait_for_load_state()


def test_joint_pledge_from_invitation_to_approved_revision(live_server, chromium):
    base = live_server.url
    lead_org = OrganisationFactory(name="Ministry of ICT, Zambia")
    partner_org = OrganisationFactory(name="Zambia Rural Connectivity Foundation")
    lead = member(lead_org, Membership.Role.EDITOR, email="editor@ict.gov.zm.example")
    partner = member(partner_org, Membership.Role.OWNER, email="owner@foundation.example")
    moderator = UserFactory(is_staff=True, is_superuser=True, email="moderator@secretariat.example")
    pages = {}
    for name, user in (("lead", lead), ("partner", partner), ("staff", moderator)):
        pages[name] = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
        pages[name].set_default_timeout(15000)
        _log_in(pages[name], base, user)
    lp, pp, sp = pages["lead"], pages["partner"], pages["staff"]

    # The lead registers a joint pledge with the partner and submits it.
    lp.goto(f"{base}/my/pledges/new/?organisation={lead_org.slug}")
    lp.fill("input[name=title]", "Community networks in rural Zambia")
    lp.fill("textarea[name=summary]", "Twenty community networks run by local cooperatives.")
    lp.get_by_label("Access", exact=True).check()
    lp.get_by_label("Programmatic").check()
    lp.select_option("select[name=beneficiary_countries]", ["ZM"])
    lp.fill("input[name=start_date]", "2026-01-01")
    lp.fill("input[name=end_date]", "2028-12-31")
    lp.fill("input[name=deliverables-0-title]", "20 community networks running")
    lp.fill("input[name=deliverables-0-due_date]", "2028-06-30")
    lp.select_option("select[name=partners]", label="Zambia Rural Connectivity Foundation")
    lp.get_by_role("button", name="Submit for review").click()
    lp.wait_for_load_state()
    pledge = Pledge.objects.get(title="Community networks in rural Zambia")
    assert pledge.status == Pledge.Status.SUBMITTED

    # The partner confirms in its workspace, with its role.
    pp.goto(f"{base}/my/")
    assert "Community networks in rural Zambia" in pp.content()
    pp.select_option("select[name=role]", "implementing")
    pp.fill("input[name=share_percent]", "25")
    pp.get_by_role("button", name="Confirm participation").click()
    pp.wait_for_load_state()
    row = PledgePartner.objects.get(pledge=pledge)
    assert (row.status, row.role, str(row.share_percent)) == ("confirmed", "implementing", "25.00")

    # The moderator requests changes; the lead sees why, fixes and resubmits; the moderator publishes.
    _admin_action(
        sp, base, "pledges/pledge", pledge.pk, "request_changes", "Name the districts.", "Request changes"
    )
    lp.goto(f"{base}/my/")
    assert "Name the districts." in lp.content()
    lp.get_by_role("link", name=re.compile(r"^Edit")).first.click()
    lp.fill("textarea[name=description]", "Districts: Mongu, Kaoma and Senanga.")
    lp.get_by_role("button", name="Submit for review").click()
    lp.wait_for_load_state()
    _admin_action(sp, base, "pledges/pledge", pledge.pk, "publish", label="Publish")
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PUBLISHED

    # The public page shows the confirmed partner.
    visitor = chromium.new_page()
    visitor.goto(f"{base}{pledge.get_absolute_url()}")
    assert "Zambia Rural Connectivity Foundation" in visitor.content()
    assert "1 of 1 partners confirmed" in visitor.content()

    # The lead edits the published pledge: a revision waits; the public still sees the published title.
    lp.goto(f"{base}{pledge.get_absolute_url()}")
    lp.get_by_role("link", name="Propose changes").click()
    lp.fill("input[name=title]", "Community networks in rural Zambia and Malawi")
    lp.get_by_role("button", name="Send changes for approval").click()
    lp.wait_for_load_state()
    revision = PledgeRevision.objects.get(pledge=pledge, status="pending")
    visitor.reload()
    assert visitor.get_by_role("heading", level=1).inner_text() == "Community networks in rural Zambia"

    # The moderator sees the difference field by field, then approves.
    sp.goto(f"{base}/admin/pledges/pledgerevision/{revision.pk}/change/")
    assert "Community networks in rural Zambia and Malawi" in sp.content()
    _admin_action(sp, base, "pledges/pledgerevision", revision.pk, "approve")
    visitor.reload()
    assert (
        visitor.get_by_role("heading", level=1).inner_text()
        == "Community networks in rural Zambia and Malawi"
    )
