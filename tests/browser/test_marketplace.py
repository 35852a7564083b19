"""The marketplace in Chromium: search, filters (with and without JavaScript), express interest and the reply."""

import pytest
from django.core.management import call_command

from organisations.models import Membership, Organisation
from pledges.models import PartnershipRequest

from ..factories import OrganisationFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


def _log_in(page, base, user):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def _result_titles(page):
    return page.locator("#results .card-title").all_inner_texts()


def test_search_filters_and_partnership_messages(live_server, chromium):
    call_command("load_demo_data")
    base = live_server.url
    page = chromium.new_page()
    page.set_default_timeout(15000)

    # Search, accent- and case-insensitive, then a facet narrows the results (htmx updates them in place).
    page.goto(f"{base}/pledges/?q=GHANA")
    titles = _result_titles(page)
    assert titles and all("Ghana" in t or "telephony" in t.lower() or "roaming" in t.lower() for t in titles)
    page.goto(f"{base}/pledges/")
    total = page.locator("#results-heading").inner_text()
    page.get_by_label("Policy", exact=False).first.check()
    page.wait_for_function(
        "(before) => document.querySelector('#results-heading').innerText !== before", arg=total
    )
    assert "pledge_type=policy" in page.url
    assert any("National Roaming" in t for t in _result_titles(page))

    # Without JavaScript the same filters work through a plain GET.
    context = chromium.new_context(java_script_enabled=False)
    nojs = context.new_page()
    nojs.goto(f"{base}/pledges/")
    nojs.get_by_label("Search").fill("internet society")
    nojs.get_by_role("button", name="Apply filters").click()
    nojs.wait_for_load_state()
    assert all("Internet Society" in c for c in nojs.locator("#results .card-subtitle").all_inner_texts())
    context.close()

    # A member of another organisation expresses interest; the pledging organisation replies.
    isoc = Organisation.objects.filter(name="Internet Society").order_by("id").first()  # from the demo data
    lead = member(isoc, Membership.Role.EDITOR, email="editor@isoc.example")
    funder = OrganisationFactory(name="Connectivity Fund")
    sender = member(funder, Membership.Role.VIEWER, email="partnerships@fund.example")
    _log_in(page, base, sender)
    page.goto(f"{base}/pledges/?q=internet+society")
    page.locator("#results .card-title a").first.click()
    page.get_by_role("link", name="Express interest in partnering").click()
    page.fill("textarea[name=message]", "We could co-fund community networks.")
    page.get_by_role("button", name="Send message").click()
    page.wait_for_load_state()
    assert "Your message was sent" in page.content()
    req = PartnershipRequest.objects.get()

    lead_page = chromium.new_page()
    _log_in(lead_page, base, lead)
    lead_page.goto(f"{base}/my/inbox/")
    assert "We could co-fund community networks." in lead_page.content()
    assert "partnerships@fund.example" not in lead_page.content()
    lead_page.fill(f"#reply-{req.pk}", "Yes, let us talk next week.")
    lead_page.get_by_role("button", name="Send reply").click()
    lead_page.wait_for_load_state()
    assert "partnerships@fund.example" in lead_page.content()  # shared once they accepted
    page.goto(f"{base}/my/inbox/")
    assert "Yes, let us talk next week." in page.content() and "editor@isoc.example" in page.content()
