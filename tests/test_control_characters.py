"""NUL and other control characters in an address never reach a view or the database (PostgreSQL refuses NUL in
text with a DataError, a 500): the path gets the site's 404 page, a query string with a NUL a 400."""

import pytest
from django.db import connection

from .factories import published_pledge

pytestmark = pytest.mark.django_db


def _nul_reaches_the_database(client, url) -> tuple[int, bool, bytes]:
    """The response's status, whether a query was sent with a NUL in its SQL or parameters, the page."""
    sent = []

    def spy(execute, sql, params, many, context):
        rows = params if many else [params]
        sent.append(sql)
        sent.extend(str(value) for row in rows or () for value in (row or ()))
        return execute(sql, params, many, context)

    client.raise_request_exception = False
    with connection.execute_wrapper(spy):
        response = client.get(url)
    return response.status_code, any("\x00" in text for text in sent), response.content


@pytest.mark.parametrize(
    "url",
    [
        "/countries/%00/",
        "/api/v1/organisations/%00/",
        "/reports/2025/%00/",
        "/legacy/pledges/%00/",
        "/organisations/%00/",
        "/fr/countries/%00/",
        "/countries/M%01W/",
        "/legacy/pledges/1%1b/",
    ],
)
def test_a_control_character_in_the_path_is_the_404_page_before_any_lookup(client, url):
    published_pledge(title="Checking control characters")
    status, reached, content = _nul_reaches_the_database(client, url)
    assert status == 404
    assert not reached
    assert b"Page not found" in content


@pytest.mark.parametrize(
    "url",
    [
        "/pledges/?country=%00",
        "/pledges/?focus_area=%00&sort=newest",
        "/api/v1/pledges/?country=%00",
        "/api/v1/pledges/?stakeholder_type=a%00b",
        "/data/?country=%00",
        "/pledges/?%00=x",
        "/best-practices/?region=%00",
    ],
)
def test_a_nul_in_the_query_string_is_a_400_before_any_lookup(client, url):
    published_pledge(title="Checking control characters")
    status, reached, _content = _nul_reaches_the_database(client, url)
    assert status == 400
    assert not reached


def test_tabs_newlines_and_ordinary_addresses_are_unaffected(client):
    pledge = published_pledge(title="Checking control characters")
    assert client.get("/countries/MW/").status_code == 200
    assert client.get(pledge.get_absolute_url()).status_code == 200
    assert client.get("/pledges/?q=rural%09schools%0Aonline").status_code == 200
    assert client.get("/pledges/?country=MW").status_code == 200
    assert client.get("/pledges/no-such-page%0A/").status_code == 404  # Django's own 404
