"""Content-Security-Policy of production (p2c/csp.py, django-csp 4): the header, and pages that need nothing the
policy forbids: no inline script, event-handler attribute, ``javascript:`` URL, ``<style>`` element or ``style=``
attribute in the HTML we serve, public pages, forms and the admin alike.

``tests/browser/test_csp.py`` loads the same pages in Chromium under the policy and fails on any violation it reports.
"""

import re

import pytest
from django.urls import reverse

from organisations.models import Membership
from p2c.csp import content_security_policy

from ..factories import OrganisationFactory, UserFactory, member, published_pledge

pytestmark = pytest.mark.django_db

INLINE = {
    "inline script": re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/(?:ld\+)?json\")[^>]*>", re.IGNORECASE
    ),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"\b(?:href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE),
    "style element": re.compile(r"<style[\s>]", re.IGNORECASE),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE),
}


@pytest.fixture
def production_csp(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "csp.middleware.CSPMiddleware"]
    settings.CONTENT_SECURITY_POLICY = content_security_policy()


def inline_code(html: str) -> list[str]:
    found = []
    for what, pattern in INLINE.items():
        for match in pattern.finditer(html):
            found.append(f"{what}: {match.group(0)[:120]}")
    return found


def page_urls(client) -> list[str]:
    """Public pages, a member's pages and forms, and the Secretariat's admin pages (logged in as staff)."""
    organisation = OrganisationFactory()
    pledge = published_pledge(organisation, title="Community networks", partners=[OrganisationFactory()])
    owner = member(organisation, Membership.Role.OWNER)
    return [
        reverse("home"),
        reverse("pledges:marketplace") + "?q=community",
        pledge.get_absolute_url(),
        organisation.get_absolute_url(),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        "/pledges/P2C-1999-9999/",  # the 404 page
        ("member", owner, reverse("pledges:workspace")),
        ("member", owner, reverse("pledges:create")),
        ("member", owner, reverse("organisations:create")),
        ("member", owner, reverse("progress:create", kwargs={"public_id": pledge.public_id})),
        ("staff", None, reverse("admin:index")),
        ("staff", None, reverse("admin:pledges_pledge_changelist")),
        ("staff", None, reverse("admin:pledges_pledge_change", args=[pledge.pk])),
        ("staff", None, reverse("admin:organisations_organisation_change", args=[organisation.pk])),
    ]


def test_policy_allows_scripts_and_styles_from_our_origin_only(client, production_csp):
    header = client.get(reverse("home"))["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert "unsafe" not in header


def test_pages_contain_no_inline_script_or_style(client, production_csp):
    staff = UserFactory(is_staff=True, is_superuser=True)
    problems = {}
    for entry in page_urls(client):
        who, user, url = entry if isinstance(entry, tuple) else ("public", None, entry)
        client.logout()
        if who != "public":
            client.force_login(user or staff)
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        assert "Content-Security-Policy" in response, url
        found = inline_code(response.content.decode())
        if found:
            problems[url] = found

    assert problems == {}
