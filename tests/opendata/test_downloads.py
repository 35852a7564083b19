"""Bulk downloads at /data/: CSV safe for spreadsheets, JSON raw, filters, streaming, conditional GET, bad input."""

import csv
import io
import json
import re

import pytest
from django.http import StreamingHttpResponse

from opendata.datasets import DATASETS, pledge_rows
from opendata.exports import csv_cell
from pledges.models import Pledge

from .conftest import PRIVATE_STRINGS

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[dict]:
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark: Excel reads the file as UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_pledges_csv_is_streamed_utf8_with_bom_and_one_row_per_published_pledge(client, public_data):
    response = client.get("/data/pledges.csv")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="p2c-pledges-')
    rows = csv_rows(response)
    assert [r["public_id"] for r in rows] == sorted(
        p.public_id for p in (public_data["joint"], public_data["single"], public_data["global"])
    )
    assert list(rows[0]) == [c.name for c in DATASETS["pledges"].columns]


def test_csv_neutralises_formulas_and_json_keeps_the_raw_value(client, public_data):
    joint_id = public_data["joint"].public_id
    row = next(r for r in csv_rows(client.get("/data/pledges.csv")) if r["public_id"] == joint_id)
    assert row["description"] == '\'=HYPERLINK("http://evil.example")'
    record = next(
        r for r in json.loads(body(client.get("/data/pledges.json")))["records"] if r["public_id"] == joint_id
    )
    assert record["description"] == '=HYPERLINK("http://evil.example")'
    report = csv_rows(client.get("/data/progress-reports.csv"))[0]
    assert report["narrative"] == "'+40% schools connected"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_prefixed(start):
    assert csv_cell(f"{start}1+1") == f"'{start}1+1"
    assert csv_cell(["a", "b"]) == "a;b" and csv_cell(None) == "" and csv_cell(True) == "true"


def test_csv_lists_confirmed_partners_countries_groups_and_value(client, public_data):
    joint = public_data["joint"]
    row = next(r for r in csv_rows(client.get("/data/pledges.csv")) if r["public_id"] == joint.public_id)
    assert row["lead_organisation"] == "ministry-ict-malawi"
    assert row["partner_organisations"] == "connect-foundation"
    assert row["partner_roles"] == "funding" and row["partner_shares_percent"] == "25.00"
    assert set(row["beneficiary_countries"].split(";")) == {"MW", "KE", "FJ"}
    assert set(row["beneficiary_countries_ldc"].split(";")) == {"MW"}
    assert row["beneficiary_countries_sids"] == "FJ"
    assert row["value_amount"] == "1000000.00" and row["value_currency"] == "EUR"
    assert (
        row["value_usd"] == str(joint.value_usd) and row["usd_rate_date"] == joint.usd_rate.date.isoformat()
    )
    assert row["latest_progress_status"] == "on_track" and row["latest_progress_percent_complete"] == "40"
    assert row["deliverables_count"] == "1"


def test_downloads_hold_no_personal_data(client, public_data):
    pledges = body(client.get("/data/pledges.csv")).decode("utf-8-sig")
    assert "Declining Org" not in pledges and "declining-org" not in pledges
    text = ""
    for dataset in DATASETS:
        for fmt in ("csv", "json"):
            text += body(client.get(f"/data/{dataset}.{fmt}")).decode("utf-8-sig")
    text += body(client.get("/data/iati/activities.xml")).decode()
    for private in PRIVATE_STRINGS + ("Pending Org", "Draft pledge", "Withdrawn pledge"):
        assert private not in text, private


def test_json_has_licence_and_records_with_lists(client, public_data, settings):
    data = json.loads(body(client.get("/data/pledges.json")))
    assert data["licence"]["id"] == settings.P2C_DATA_LICENCE["id"] == "CC-BY-4.0"
    assert data["data_dictionary"].endswith("/data/dictionary/#pledges")
    joint = next(r for r in data["records"] if r["public_id"] == public_data["joint"].public_id)
    assert sorted(joint["beneficiary_countries"]) == ["FJ", "KE", "MW"] and joint["is_global"] is False


def test_marketplace_filters_narrow_every_dataset(client, public_data):
    rows = csv_rows(client.get("/data/pledges.csv?country=FJ"))
    assert [r["public_id"] for r in rows] == [public_data["joint"].public_id]
    orgs = {r["slug"] for r in csv_rows(client.get("/data/organisations.csv?pledge_type=programmatic"))}
    assert orgs == {"connect-foundation"}
    every_org = {r["slug"] for r in csv_rows(client.get("/data/organisations.csv"))}
    assert "pending-org" not in every_org and {"ministry-ict-malawi", "declining-org"} <= every_org
    assert csv_rows(client.get("/data/progress-reports.csv?pledge_type=policy")) == []
    deliverables = csv_rows(client.get("/data/deliverables.csv?country=FJ"))
    assert [d["title"] for d in deliverables] == ["500 schools"]


def test_unknown_filter_value_is_a_400_with_the_message_by_the_field(client, public_data):
    response = client.get("/data/pledges.csv?focus_area=nonsense")
    assert response.status_code == 400
    html = response.content.decode()
    assert "nonsense" in html and "invalid" in html.lower()
    assert client.get("/data/iati/activities.xml?country=ZZ").status_code == 400


@pytest.mark.parametrize(
    "url", ["/data/secrets.csv", "/data/pledges.xlsx", "/data/pledges..csv", "/data/..%2Fetc.csv"]
)
def test_unknown_download_is_a_404(client, db, url):
    assert client.get(url).status_code == 404


def test_downloads_answer_conditional_get(client, public_data):
    first = client.get("/data/pledges.csv")
    b"".join(first.streaming_content)
    assert client.get("/data/pledges.csv", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get("/data/pledges.json", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    Pledge.objects.filter(pk=public_data["single"].pk).update(status=Pledge.Status.WITHDRAWN)
    public_data["joint"].save()  # a change the ETag sees
    assert client.get("/data/pledges.csv", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_pledge_rows_read_in_bounded_chunks(public_data):
    """Related rows are read per chunk of pledges: the number of queries depends on the number of chunks, never on
    the number of pledges in a chunk."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opendata.selectors import public_pledges

    from ..factories import published_pledge

    def queries(chunk_size):
        with CaptureQueriesContext(connection) as captured:
            rows = list(pledge_rows(public_pledges(), chunk_size=chunk_size))
        return len(captured), len(rows)

    one_chunk, n = queries(100)
    assert n == 3
    published_pledge(title="Another", countries=("MW", "KE"))
    published_pledge(title="And another", countries=("FJ",))
    assert queries(100) == (one_chunk, 5)
    per_pledge, _ = queries(1)
    assert per_pledge > one_chunk  # five chunks of one


def test_catalogue_and_dictionary_pages(client, db, settings):
    index = client.get("/data/")
    html = index.content.decode()
    assert index.status_code == 200 and len(re.findall(r"<h1[\s>]", html)) == 1
    assert settings.P2C_DATA_LICENCE["url"] in html and "/data/pledges.csv" in html
    assert "/data/iati/activities.xml" in html and "/api/docs/" in html
    dictionary = client.get("/data/dictionary/").content.decode()
    assert len(re.findall(r"<h1[\s>]", dictionary)) == 1
    for dataset in DATASETS.values():
        for column in dataset.columns:
            assert f'id="{dataset.slug}-{column.name}"' in dictionary


def test_catalogue_links_keep_the_filters(client, db):
    html = client.get("/data/?focus_area=access").content.decode()
    assert "/data/pledges.csv?focus_area=access" in html


def test_every_row_key_is_a_documented_column(public_data):
    from django.http import QueryDict

    from opendata.datasets import dataset_rows

    for slug, dataset in DATASETS.items():
        rows, errors = dataset_rows(slug, QueryDict())
        assert errors is None
        for row in rows:
            assert [k for k in row if not k.startswith("_")] == [c.name for c in dataset.columns], slug
