"""Guard tests: migrations match the models; every public page has exactly one <h1>; health check."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from .factories import published_pledge

pytestmark = pytest.mark.django_db


def test_no_missing_migrations():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"Models changed without a migration:\n{out.getvalue()}")


def test_every_public_page_has_exactly_one_h1(client):
    pledge = published_pledge(title="Checking headings")
    urls = [
        reverse("home"),
        reverse("pledges:marketplace"),
        reverse("pledges:marketplace") + "?q=nothing-matches",
        pledge.get_absolute_url(),
        pledge.lead_organisation.get_absolute_url(),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert len(re.findall(r"<h1[\s>]", html)) == 1, url
        assert 'lang="en"' in html and 'href="#main-content"' in html, url


def test_healthz_reports_database_cache_and_broker(client, settings):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["cache"] == "ok"
    assert body["broker"] == ("ok" if settings.REDIS_URL else "not used")


def test_favicon_ico_leads_to_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith(".svg")
