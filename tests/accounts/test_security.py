"""Accounts: email login with mandatory verification, no enumeration, rate limits in the shared cache, safe
``next=`` redirects, the admin login through allauth, and two-factor authentication required for staff."""

from urllib.parse import unquote

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts.models import User

from ..factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
EVIL = [
    "//evil.example",
    "/\\evil.example",
    "https:evil.example",
    "/%09/evil.example",
    "https://evil.example/x",
]


def _totp_code(secret: str) -> str:
    import time

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _signup(client, email, password="a-long-unusual-passphrase-7"):
    return client.post(
        reverse("account_signup"), {"email": email, "password1": password, "password2": password}
    )


def _visible_text(response):
    import re

    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r"\s+", " ", html)


def test_email_must_be_verified_before_login(client):
    _signup(client, "fresh@example.org")
    client.logout()
    user = User.objects.get(email="fresh@example.org")
    assert not EmailAddress.objects.get(user=user).verified
    response = client.post(
        reverse("account_login"), {"login": "fresh@example.org", "password": "a-long-unusual-passphrase-7"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_signup_answers_the_same_for_a_known_and_an_unknown_address(client):
    UserFactory(email="known@example.org")
    known = _signup(client, "known@example.org")
    client.logout()
    unknown = _signup(client, "unknown@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert User.objects.filter(email="known@example.org").count() == 1
    # The owner of the known address is told by email, not the person at the keyboard.
    assert {tuple(m.to) for m in mail.outbox} == {("known@example.org",), ("unknown@example.org",)}


def test_password_reset_answers_the_same_for_a_known_and_an_unknown_address(client):
    UserFactory(email="known@example.org")
    known = client.post(reverse("account_reset_password"), {"email": "known@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    done_known = _visible_text(client.get(known["Location"]))
    done_unknown = _visible_text(client.get(unknown["Location"]))
    assert done_known == done_unknown


def test_failed_logins_are_limited_per_address_even_with_the_right_password(client):
    UserFactory(email="target@example.org")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "target@example.org", "password": "wrong-password"})
    response = client.post(reverse("account_login"), {"login": "target@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)
    assert "Too many" in response.content.decode()


def test_signups_are_limited_per_ip(client):
    statuses = [_signup(client, f"bulk{i}@example.org").status_code for i in range(11)]
    assert statuses[:10] == [302] * 10 and statuses[10] == 429


def test_password_resets_are_limited_per_address(client):
    UserFactory(email="known@example.org")
    for _ in range(3):
        client.post(reverse("account_reset_password"), {"email": "known@example.org"})
    sent = len(mail.outbox)
    response = client.post(reverse("account_reset_password"), {"email": "known@example.org"})
    assert len(mail.outbox) == sent
    assert response.status_code in (200, 429)


def test_rate_limits_live_in_the_shared_redis_cache_when_configured(client):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: this test checks the Redis-backed rate limits")
    from django_redis import get_redis_connection

    assert (
        "Redis" in settings.CACHES["default"]["BACKEND"]
    )  # shared by every web process, not per-process memory
    client.post(reverse("account_login"), {"login": "x@example.org", "password": "wrong-password"})
    keys = [k.decode() for k in get_redis_connection("default").keys("*")]
    assert any("rl" in k and "login" in k for k in keys), keys


@pytest.mark.parametrize("target", EVIL)
def test_login_never_redirects_off_the_site(client, target):
    UserFactory(email="user@example.org")
    response = client.post(
        f"{reverse('account_login')}?next={target}", {"login": "user@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil.example" not in unquote(location)


@pytest.mark.parametrize("target", EVIL)
def test_login_page_does_not_carry_an_offsite_next(client, target):
    import re

    html = client.get(f"{reverse('account_login')}?next={target}").content.decode()
    carried = re.findall(r'name="next"[^>]*value="([^"]*)"', html) + re.findall(
        r'value="([^"]*)"[^>]*name="next"', html
    )
    from html import unescape

    from django.utils.http import url_has_allowed_host_and_scheme

    offsite = [
        v for v in carried if not url_has_allowed_host_and_scheme(unescape(v), allowed_hosts={"testserver"})
    ]
    assert not offsite


def test_a_safe_next_is_followed(client):
    UserFactory(email="user@example.org")
    response = client.post(
        f"{reverse('account_login')}?next=/my/organisations/",
        {"login": "user@example.org", "password": PASSWORD},
    )
    assert response["Location"] == "/my/organisations/"


def test_the_admin_login_goes_through_allauth(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    response = client.post(reverse("admin:login"), {"username": "x@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_a_signed_in_non_staff_user_gets_no_admin(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403


def test_staff_without_mfa_are_sent_to_set_it_up_before_any_admin_page(client, settings, staff_user):
    settings.P2C_STAFF_MFA_REQUIRED = True
    client.force_login(staff_user)
    for url in (reverse("admin:index"), reverse("admin:organisations_organisation_changelist")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(
            reverse("mfa_activate_totp")
        ), url
    TOTP.activate(staff_user, generate_totp_secret())
    assert client.get(reverse("admin:index")).status_code == 200


def test_without_the_setting_staff_reach_the_admin_without_mfa(client, settings, staff_user):
    settings.P2C_STAFF_MFA_REQUIRED = False
    client.force_login(staff_user)
    assert client.get(reverse("admin:index")).status_code == 200


def test_mfa_is_optional_for_non_staff_even_when_required_for_staff(client, settings):
    settings.P2C_STAFF_MFA_REQUIRED = True
    client.force_login(UserFactory())
    assert client.get(reverse("organisations:mine")).status_code == 200


def test_a_user_with_totp_must_give_a_code_to_log_in(client):
    user = UserFactory(email="careful@example.org")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    response = client.post(reverse("account_login"), {"login": "careful@example.org", "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert (
        client.post(
            reverse("mfa_authenticate"), {"code": "000000" if _totp_code(secret) != "000000" else "111111"}
        ).status_code
        == 200
    )
    assert "_auth_user_id" not in client.session
    cache.clear()  # the failed attempt must not mark the next code used
    response = client.post(reverse("mfa_authenticate"), {"code": _totp_code(secret)})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    assert Authenticator.objects.filter(user=user, type="totp").exists()


def test_production_requires_mfa_for_staff_and_local_does_not():
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "x" * 50,
        "DATABASE_URL": "sqlite:///:memory:",
        "DJANGO_ALLOWED_HOSTS": "p2c.example",
        "EMAIL_URL": "consolemail://",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    env.pop("P2C_STAFF_MFA_REQUIRED", None)
    code = "import importlib, sys; print(importlib.import_module(sys.argv[1]).P2C_STAFF_MFA_REQUIRED)"
    results = {
        module: subprocess.run(
            [sys.executable, "-c", code, module], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
        for module in ("p2c.settings.production", "p2c.settings.local")
    }
    assert results == {"p2c.settings.production": "True", "p2c.settings.local": "False"}
