"""Secrets in addresses (password reset and email confirmation keys, invitation and unsubscribe tokens) never reach
the logs: the request line and Django's 4xx records show ``[redacted]`` in their place."""

import logging
import re

import pytest
from django.core import mail
from django.urls import reverse

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def _link(pattern: str) -> str:
    """The path of the last email's link matching ``pattern``."""
    found = re.search(r"https?://[^/\s]+(" + pattern + r")", mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    return found.group(1)


def _logged(caplog) -> str:
    return "\n".join(
        f"{record.getMessage()} {getattr(record, 'path', '')}"
        for record in caplog.records
        if record.name in ("p2c.request", "django.request")
    )


def test_the_password_reset_key_and_account_id_are_redacted(client, caplog):
    user = UserFactory(email="reset@example.org")
    client.post(reverse("account_reset_password"), {"email": user.email})
    link = _link(r"/accounts/password/reset/key/[^\s]+/")
    uidb36, key = link.rstrip("/").rsplit("/", 1)[1].split("-", 1)
    assert len(key) > 10

    with caplog.at_level(logging.INFO):
        response = client.get(link)
        assert (
            response.status_code == 302
        )  # allauth keeps the key in the session and drops it from the address
        assert client.get(response["Location"]).status_code == 200

    text = _logged(caplog)
    assert "GET /accounts/password/reset/key/[redacted]-[redacted]/ 302" in text
    assert "GET /accounts/password/reset/key/[redacted]-[redacted]/ 200" in text  # the set-password step
    assert key not in text and f"/{uidb36}-" not in text


def test_the_email_confirmation_key_is_redacted(client, caplog):
    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "password1": "a-long-unusual-passphrase-7",
            "password2": "a-long-unusual-passphrase-7",
        },
    )
    link = _link(r"/accounts/confirm-email/[^\s/]+/")
    key = link.rstrip("/").rsplit("/", 1)[1]

    with caplog.at_level(logging.INFO):
        client.get(link)
        client.get("/accounts/confirm-email/not-a-real-key-0123456789/")

    text = _logged(caplog)
    assert "GET /accounts/confirm-email/[redacted]/" in text
    assert key not in text and "not-a-real-key-0123456789" not in text


def test_tokens_are_redacted_in_the_request_line_and_in_not_found_records(client, caplog):
    with caplog.at_level(logging.INFO):
        assert client.get("/invitations/secret-invitation-token-123/").status_code == 404
        client.get("/unsubscribe/secret-unsubscribe-token-456/")

    text = _logged(caplog)
    assert "GET /invitations/[redacted]/ 404" in text
    assert "Not Found: /invitations/[redacted]/" in text
    assert "secret-invitation-token-123" not in text and "secret-unsubscribe-token-456" not in text
    assert "GET /unsubscribe/[redacted]/" in text


# Every other URL argument of the site's urlconfs (ours, allauth's, the admin's, the API's): not a secret.
PUBLIC_URL_KWARGS = {
    "app_label",
    "code",
    "content_type_id",
    "dataset",
    "evidence_pk",
    "fmt",
    "id",
    "iso2",
    "kind",
    "language",
    "m49_code",
    "number",
    "object_id",
    "old_id",
    "pillar",
    "pk",
    "public_id",
    "report_id",
    "revision",
    "slug",
    "url",
    "year",
}


def test_every_url_argument_is_known_as_a_secret_or_not():
    """A new URL argument fails here until it is put in ``p2c.logging.SECRET_URL_KWARGS`` or above."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from p2c.logging import SECRET_URL_KWARGS

    names = set()

    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                names.update(entry.pattern.regex.groupindex)
                walk(entry.url_patterns)
            elif isinstance(entry, URLPattern):
                names.update(entry.pattern.regex.groupindex)

    walk(get_resolver().url_patterns)
    assert names - PUBLIC_URL_KWARGS <= SECRET_URL_KWARGS, names - PUBLIC_URL_KWARGS - SECRET_URL_KWARGS
    assert {"token", "key", "uidb36"} <= names & SECRET_URL_KWARGS
