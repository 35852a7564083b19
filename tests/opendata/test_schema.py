"""The OpenAPI 3 schema and the API documentation: no generator warning, docs served from our own static files."""

import re
from io import StringIO

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.checks import Warning as CheckWarning
from django.core.checks import run_checks
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings_and_validates():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert "/api/v1/pledges/" in paths and "/api/v1/pledges/{public_id}/" in paths
    params = {p["name"] for p in paths["/api/v1/pledges/"]["get"]["parameters"]}
    assert {"cursor", "page_size", "q", "focus_area", "country", "group"} <= params


def test_deploy_checks_have_no_drf_spectacular_warning():
    messages = run_checks(include_deployment_checks=True)
    spectacular = [m for m in messages if m.id and m.id.startswith("drf_spectacular")]
    assert spectacular == [], spectacular
    assert not [m for m in messages if isinstance(m, CheckWarning) and "schema" in m.msg.lower()]


def test_schema_endpoint_serves_openapi(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "P2C Pledging Platform API"


def test_docs_page_loads_swagger_ui_from_our_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert (
        "<style" not in html and "<script>" not in html
    )  # nothing inline: the CSP allows our own files only
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))], assets
    static = [a for a in assets if a.startswith("/static/")]
    assert any("swagger-ui-bundle.js" in a for a in static)
    for asset in static:
        assert finders.find(asset.removeprefix("/static/")), asset
    script = next(a for a in assets if "script=" in a)
    init = client.get(script.replace("&amp;", "&"))
    assert init.status_code == 200 and "/api/schema/" in init.content.decode()
