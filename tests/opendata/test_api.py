"""The read-only API: public objects only, stable identifiers, filters, pagination, conditional GET, throttling."""

import json

import pytest
from django.core.cache import cache

from progress.models import ProgressReport

from .conftest import PRIVATE_STRINGS

pytestmark = pytest.mark.django_db

PLEDGES = "/api/v1/pledges/"


def _ids(response):
    return [item["public_id"] for item in response.json()["results"]]


def test_pledge_list_has_only_published_pledges(client, public_data):
    response = client.get(PLEDGES)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    ids = _ids(response)
    assert sorted(ids) == sorted(
        p.public_id for p in (public_data["joint"], public_data["single"], public_data["global"])
    )
    assert ids == sorted(ids)  # cursor order: public ID


def test_pledge_detail_carries_partners_taxonomy_countries_value_and_deliverables(client, public_data):
    joint = public_data["joint"]
    body = client.get(f"{PLEDGES}{joint.public_id}/").json()
    assert body["public_id"] == joint.public_id
    assert body["url"].endswith(f"/pledges/{joint.public_id}/")
    assert body["lead_organisation"] == {
        "slug": "ministry-ict-malawi",
        "name": "Ministry of ICT Malawi",
        "stakeholder_type": "government",
        "country": "MW",
    }
    assert body["partners"] == [
        {
            "organisation": {
                "slug": "connect-foundation",
                "name": "Connect Foundation",
                "stakeholder_type": "private-sector",
                "country": "KE",
            },
            "role": "funding",
            "iati_role": "1",
            "share_percent": "25.00",
        }
    ]
    assert sorted(body["beneficiary_countries"]) == ["FJ", "KE", "MW"]
    assert sorted(body["focus_areas"]) == ["access", "adoption"]
    assert body["pledge_types"] == ["financial"]
    value = body["value"]
    assert value["amount"] == "1000000.00" and value["currency"] == "EUR"
    assert value["usd"] == str(joint.value_usd) and value["usd_rate"]["currency"] == "EUR"
    assert value["usd_rate"]["date"] == joint.usd_rate.date.isoformat()
    assert [d["title"] for d in body["deliverables"]] == ["500 schools"]


def test_api_never_shows_personal_data_or_private_partner_rows(client, public_data):
    pledges = client.get(f"{PLEDGES}{public_data['joint'].public_id}/").content.decode()
    pledges += client.get(PLEDGES).content.decode()
    assert "Declining Org" not in pledges  # a partner that declined is no partner
    text = pledges + client.get("/api/v1/organisations/").content.decode()
    text += client.get("/api/v1/progress-reports/").content.decode()
    for private in PRIVATE_STRINGS + ("focal_point", "created_by", "author", "Pending Org"):
        assert private not in text, private


def test_unpublished_pledge_is_404(client, public_data):
    assert client.get(f"{PLEDGES}{public_data['draft'].public_id}/").status_code == 404
    assert client.get(f"{PLEDGES}{public_data['withdrawn'].public_id}/").status_code == 404


def test_organisations_are_verified_only(client, public_data):
    slugs = [o["slug"] for o in client.get("/api/v1/organisations/").json()["results"]]
    assert "pending-org" not in slugs and "ministry-ict-malawi" in slugs
    assert client.get("/api/v1/organisations/pending-org/").status_code == 404
    kenyan = client.get("/api/v1/organisations/?country=KE").json()["results"]
    assert [o["slug"] for o in kenyan] == ["connect-foundation"]


def test_progress_reports_only_on_public_pledges(client, public_data):
    reports = client.get("/api/v1/progress-reports/").json()["results"]
    assert [r["id"] for r in reports] == [public_data["report"].pk]
    assert reports[0]["pledge"] == public_data["joint"].public_id
    assert client.get(f"/api/v1/progress-reports/{public_data['hidden_report'].pk}/").status_code == 404


def test_progress_reports_with_a_review_status_are_public_only_when_published(client, public_data):
    has_status = any(f.name == "status" for f in ProgressReport._meta.fields)
    if has_status:  # review statuses: only the published value is public
        ProgressReport.objects.filter(pk=public_data["report"].pk).update(status="submitted")
        assert client.get("/api/v1/progress-reports/").json()["results"] == []
    else:  # no review yet: every report on a public pledge is public
        assert len(client.get("/api/v1/progress-reports/").json()["results"]) == 1


def test_marketplace_filters_apply_to_pledges_and_progress_reports(client, public_data):
    assert _ids(client.get(PLEDGES + "?country=FJ")) == [public_data["joint"].public_id]
    assert _ids(client.get(PLEDGES + "?pledge_type=programmatic")) == [public_data["single"].public_id]
    adoption = _ids(client.get(PLEDGES + "?focus_area=adoption"))
    assert adoption == sorted([public_data["joint"].public_id, public_data["single"].public_id])
    assert len(_ids(client.get(PLEDGES + "?focus_area=access&focus_area=adoption"))) == 3
    assert (
        client.get("/api/v1/progress-reports/?country=FJ").json()["results"][0]["pledge"]
        == public_data["joint"].public_id
    )
    assert client.get("/api/v1/progress-reports/?pledge_type=policy").json()["results"] == []


@pytest.mark.parametrize(
    "query",
    ["?focus_area=no-such-area", "?country=ZZ", "?group=NOPE", "?stakeholder_type=aliens"],
)
def test_unknown_filter_value_is_a_400_naming_the_parameter(client, public_data, query):
    response = client.get(PLEDGES + query)
    assert response.status_code == 400
    assert query[1:].split("=")[0] in response.json()
    assert client.get("/api/v1/progress-reports/" + query).status_code == 400


@pytest.mark.parametrize("cursor", ["garbage", "cD0x", "cj0xJnA9eHl6", "%00", "cD1QMkMtMjAyMC0wMDAx" * 50])
def test_bad_cursor_is_a_400_never_a_server_error(client, public_data, cursor):
    for url in (PLEDGES, "/api/v1/progress-reports/", "/api/v1/reference/exchange-rates/"):
        response = client.get(url, {"cursor": cursor})
        assert response.status_code in (200, 400), (url, cursor)
    response = client.get("/api/v1/progress-reports/", {"cursor": "cD1ub3QtYS1kYXRl"})  # p=not-a-date
    assert response.status_code == 400 and "cursor" in response.json()


def test_page_size_is_capped_and_bad_pagination_gives_the_default(client, db):
    countries = "/api/v1/reference/countries/"
    assert len(client.get(countries).json()["results"]) == 50
    assert len(client.get(countries, {"page_size": "100000000"}).json()["results"]) == 100
    assert len(client.get(countries, {"page_size": "-3"}).json()["results"]) == 50
    assert len(client.get(countries, {"page_size": "abc"}).json()["results"]) == 50
    assert len(client.get(countries, {"page": "-1"}).json()["results"]) == 50
    assert len(client.get(countries, {"page_size": "7"}).json()["results"]) == 7


def test_cursor_pages_cover_every_row_once(client, db):
    seen, url = [], "/api/v1/reference/countries/?page_size=100"
    while url:
        body = client.get(url).json()
        seen += [c["iso2"] for c in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) > 200


def test_unknown_format_falls_back_to_json(client, public_data):
    response = client.get(PLEDGES, {"format": "../../etc/passwd"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert client.get("/api/docs/", {"format": "../../etc"}).status_code == 200


def test_conditional_get_gives_304_until_the_data_changes(client, public_data):
    first = client.get(PLEDGES)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert client.get(PLEDGES, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(PLEDGES, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert client.get(PLEDGES + "?country=KE", HTTP_IF_NONE_MATCH=etag).status_code == 200
    single = public_data["single"]
    single.title = "Coding clubs for girls"
    single.save()
    changed = client.get(PLEDGES, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_partner_confirmation_changes_the_etag(client, public_data):
    from pledges.models import PledgePartner

    etag = client.get(PLEDGES)["ETag"]
    row = PledgePartner.objects.get(pledge=public_data["joint"], organisation=public_data["declined"])
    row.status = PledgePartner.Status.CONFIRMED
    row.save()
    response = client.get(PLEDGES, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "declining-org" in response.content.decode()


def test_anonymous_clients_are_throttled(client, db, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    cache.clear()
    statuses = [client.get("/api/v1/reference/sdgs/").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    other = client.get("/api/v1/reference/sdgs/", REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 200


def test_reference_data_by_code(client, db):
    malawi = client.get("/api/v1/reference/countries/MW/").json()
    assert malawi["iso3"] == "MWI" and "LDC" in [m["group"] for m in malawi["memberships"]]
    access = client.get("/api/v1/reference/focus-areas/access/").json()
    assert access["slug"] == "access" and access["pillars"]
    assert client.get("/api/v1/reference/sdgs/9/").json()["number"] == 9
    assert client.get("/api/v1/reference/currencies/EUR/").json()["code"] == "EUR"
    assert client.get("/api/v1/reference/exchange-rates/1/").status_code == 404  # a list without details
    root = client.get("/api/v1/").json()
    assert {"pledges", "organisations", "progress-reports"} <= set(root)


def test_api_refuses_writes(client, public_data):
    response = client.post(PLEDGES, data=json.dumps({"title": "x"}), content_type="application/json")
    assert response.status_code in (405, 415)
    assert client.delete(f"{PLEDGES}{public_data['joint'].public_id}/").status_code == 405
