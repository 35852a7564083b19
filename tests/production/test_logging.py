"""Structured logs: a request ID on every response and log line, control characters escaped, errors to the admins.

The output is read from the console handler that ``LOGGING`` configures (p2c/logging.py), with its own formatter.
"""

import contextlib
import io
import json
import logging
import re

import pytest
from django.core import mail
from django.test import Client

from p2c.logging import JsonFormatter

pytestmark = pytest.mark.django_db

RECORD_START = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ ")


@contextlib.contextmanager
def console_output(formatter=None):
    """What the configured console handler writes inside the block (optionally with another formatter)."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    buffer = io.StringIO()
    old_stream = handler.setStream(buffer)
    old_formatter = handler.formatter
    if formatter is not None:
        handler.setFormatter(formatter)
    try:
        yield buffer
    finally:
        handler.setStream(old_stream)
        handler.setFormatter(old_formatter)


def test_each_response_has_a_request_id_that_its_log_line_carries(client):
    with console_output() as out:
        response = client.get("/pledges/")

    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert f"INFO p2c.request [{request_id}] GET /pledges/ 200 " in out.getvalue()
    assert client.get("/pledges/")["X-Request-ID"] != request_id


def test_request_id_from_an_untrusted_client_header_is_not_used(client):
    assert client.get("/pledges/", HTTP_X_REQUEST_ID="chosen-by-client")["X-Request-ID"] != "chosen-by-client"


def test_request_id_from_a_trusted_proxy_header_is_kept_when_it_is_well_formed(settings):
    settings.P2C_REQUEST_ID_HEADER = "X-Request-ID"
    client = Client()

    assert client.get("/pledges/", HTTP_X_REQUEST_ID="lb-1234.abcd")["X-Request-ID"] == "lb-1234.abcd"
    forged = client.get("/pledges/", HTTP_X_REQUEST_ID="x\r\nFAKE")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)


def test_carriage_return_and_line_feed_in_the_path_cannot_forge_a_log_line(client):
    with console_output() as out:
        response = client.get("/pledges/%0d%0aFAKE")

    assert response.status_code == 404
    text = out.getvalue()
    lines = text.splitlines()
    assert lines and all(RECORD_START.match(line) or line.startswith("    ") for line in lines), text
    assert not any(line.startswith("FAKE") for line in lines)
    assert "GET /pledges/\\r\\nFAKE 404" in text  # the value is kept, escaped
    request_id = response["X-Request-ID"]
    assert f"WARNING django.request [{request_id}] Not Found: /pledges/\\r\\nFAKE" in text


def test_json_logs_are_one_object_per_line_with_the_request_fields(client):
    with console_output(JsonFormatter()) as out:
        response = client.get("/pledges/%0d%0aFAKE%E2%80%A8x")

    entries = [json.loads(line) for line in out.getvalue().splitlines()]
    access = next(e for e in entries if e["logger"] == "p2c.request")
    assert access["request_id"] == response["X-Request-ID"]
    assert (access["method"], access["status"]) == ("GET", 404)
    assert access["path"] == "/pledges/\\r\\nFAKE\\u2028x"  # even Unicode line separators are escaped
    assert isinstance(access["duration_ms"], float)


def test_traceback_lines_are_indented_under_their_record():
    logger = logging.getLogger("p2c.test")
    with console_output() as out:
        try:
            raise ValueError("bad value\nFAKE 2026-01-01 00:00:00,000 INFO forged")
        except ValueError:
            logger.exception("could not handle %s", "it")

    lines = out.getvalue().splitlines()
    assert RECORD_START.match(lines[0]) and "could not handle it" in lines[0]
    assert len(lines) > 2 and all(line.startswith("    ") for line in lines[1:])


@pytest.mark.urls("tests.production.urls")
def test_server_error_shows_the_styled_page_and_mails_the_admins_once(settings):
    settings.ADMINS = [("Operations", "ops@example.org")]
    client = Client(raise_request_exception=False)

    with console_output() as out:
        response = client.get("/broken/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html and len(re.findall(r"<h1[\s>]", html)) == 1
    assert 'href="#main-content"' in html  # the site's layout (base.html)
    assert response["X-Request-ID"]
    alerts = [m for m in mail.outbox if m.to == ["ops@example.org"]]
    assert len(alerts) == 1
    assert "Internal Server Error: /broken/" in alerts[0].subject
    assert "RuntimeError" in alerts[0].body
    lines = out.getvalue().splitlines()
    assert not any(line.startswith("FAKE") for line in lines)
