"""``/healthz``: 200 when the database, cache and broker answer; 503, naming the failure, when one does not.

Failures are real: Redis on a port where nothing listens, a database alias whose database does not exist.
"""

import copy

import pytest
from django.db import connections

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken_database_alias(monkeypatch):
    """A second database alias pointing at a database that does not exist (SQLite: a folder that does not)."""
    broken = copy.deepcopy(connections["default"].settings_dict)
    if connections["default"].vendor == "sqlite":
        broken["NAME"] = "/nonexistent-folder/p2c.sqlite3"
    else:
        broken["NAME"] = "p2c_database_that_does_not_exist"
    broken.pop("TEST", None)
    monkeypatch.setitem(connections.settings, "replica", broken)
    yield "replica"
    connections["replica"].close()
    del connections["replica"]


def test_healthy_platform_answers_200_to_get_and_head_and_is_never_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"]
    assert client.head("/healthz").status_code == 200


def test_without_redis_the_broker_is_not_used_and_health_is_200(client, settings):
    settings.REDIS_URL = ""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "not used"}


def test_redis_on_a_closed_port_gives_503_with_cache_and_broker_failing(client, redis_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "error", "broker": "error"}


def test_a_database_that_does_not_answer_gives_503_naming_it(client, broken_database_alias):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["database"], body["failed_databases"]) == ("error", "error", ["replica"])
    assert body["cache"] == "ok"


def test_health_check_answers_a_load_balancer_by_ip_over_http(client, settings):
    settings.ALLOWED_HOSTS = ["pledges.example.org"]
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    # Everything else still refuses an unknown host and redirects to HTTPS.
    assert client.get("/pledges/", HTTP_HOST="10.0.0.7:8000").status_code == 400
    assert client.get("/pledges/", HTTP_HOST="pledges.example.org").status_code == 301
