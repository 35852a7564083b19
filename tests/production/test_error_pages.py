"""The 404 and 500 pages in the site's layout; the 500 page needs no request context."""

import re

import pytest
from django.template import loader

pytestmark = pytest.mark.django_db


def test_unknown_pledge_gives_the_404_page_in_the_site_layout(client):
    response = client.get("/pledges/P2C-1999-9999/")

    assert response.status_code == 404
    html = response.content.decode()
    assert len(re.findall(r"<h1[\s>]", html)) == 1 and "Page not found" in html
    assert 'lang="en"' in html and 'href="#main-content"' in html
    assert 'href="/pledges/"' in html


def test_500_page_renders_without_a_request_context_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()

    assert len(re.findall(r"<h1[\s>]", html)) == 1 and "Something went wrong" in html
    assert "bootstrap" in html and 'href="#main-content"' in html
