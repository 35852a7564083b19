"""The production Content-Security-Policy enforced by Chromium on the real server: public pages, a member's forms
and the admin load and work (Bootstrap's menu opens) without a single violation reported by the browser.

The live server runs the test settings, so the policy header is added to each page by the browser's request
interception, exactly as django-csp builds it from ``p2c.csp.content_security_policy()``.
"""

import pytest
from csp.utils import build_policy, default_config
from django.test import Client
from django.urls import reverse

from organisations.models import Membership
from p2c.csp import content_security_policy

from ..factories import OrganisationFactory, UserFactory, member, published_pledge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def session_cookie(user, live_server) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


def test_pages_work_under_the_production_policy_with_no_violation(page, live_server):
    policy = build_policy(config=default_config(content_security_policy()["DIRECTIVES"]))
    assert "script-src 'self'" in policy
    organisation = OrganisationFactory()
    pledge = published_pledge(
        organisation, title="Satellite links for islands", partners=[OrganisationFactory()]
    )
    owner = member(organisation, Membership.Role.OWNER)
    staff = UserFactory(is_staff=True, is_superuser=True)
    violations, documents = [], []

    def with_policy(route):
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch()
        documents.append(route.request.url)
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": policy})

    page.route("**/*", with_policy)
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    page.on("pageerror", lambda error: violations.append(f"script error: {error}"))

    visits = [
        (None, reverse("home")),
        (None, reverse("pledges:marketplace") + "?q=satellite"),
        (None, pledge.get_absolute_url()),
        (None, organisation.get_absolute_url()),
        (None, reverse("account_login")),
        (None, "/dashboard/"),
        (None, "/data/"),
        (None, "/api/docs/"),
        (owner, reverse("pledges:workspace")),
        (owner, reverse("pledges:create")),
        (owner, reverse("progress:create", kwargs={"public_id": pledge.public_id})),
        (staff, reverse("admin:index")),
        (staff, reverse("admin:pledges_pledge_changelist")),
        (staff, reverse("admin:pledges_pledge_change", args=[pledge.pk])),
    ]
    for user, url in visits:
        page.context.clear_cookies()
        if user is not None:
            page.context.add_cookies([session_cookie(user, live_server)])
        response = page.goto(live_server.url + url)
        assert response.status < 400, url
        page.wait_for_load_state("load")

    page.set_viewport_size({"width": 480, "height": 800})
    page.goto(live_server.url + reverse("home"))
    page.get_by_role("button", name="Toggle navigation").click()
    page.wait_for_selector("#main-nav.show")  # Bootstrap's JavaScript ran under the policy

    assert len(documents) == len(visits) + 1
    assert violations == []
