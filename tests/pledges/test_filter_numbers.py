"""The SDG filter, shared by the marketplace, the API and the downloads: a number out of range is an invalid
choice like any unknown value (ignored and reported on the page, a 400 in the API), never a 500 (on SQLite a
number past 2**63 overflows: OverflowError)."""

import pytest

from pledges.filters import PledgeFilter
from pledges.models import Pledge
from reference.models import SDG

from ..factories import published_pledge

pytestmark = pytest.mark.django_db
HUGE = "999999999999999999999"


@pytest.fixture
def pledge():
    pledge = published_pledge(title="Schools online")
    pledge.sdgs.set(SDG.objects.filter(number=4))
    return pledge


@pytest.mark.parametrize("value", [HUGE, "9" * 40, "32768", "-1", "9" * 5000])
def test_an_out_of_range_sdg_is_an_invalid_choice(pledge, value):
    pledge_filter = PledgeFilter({"sdg": [value]}, queryset=Pledge.objects.all())
    assert not pledge_filter.is_valid()
    assert "sdg" in pledge_filter.errors


@pytest.mark.parametrize("query", [f"?sdg={HUGE}", f"?sdg=4&sdg={HUGE}", f"?sdg={'9' * 5000}"])
def test_the_marketplace_the_api_and_the_downloads_do_not_fail(client, pledge, query):
    client.raise_request_exception = False
    page = client.get(f"/pledges/{query}")
    assert page.status_code == 200
    api = client.get(f"/api/v1/pledges/{query}")
    assert api.status_code == 400 and "sdg" in api.json()
    assert client.get(f"/data/{query}").status_code in (200, 400)
    assert client.get(f"/data/pledges.csv{query}").status_code in (200, 400)


def test_a_known_sdg_still_filters(client, pledge):
    assert PledgeFilter({"sdg": ["4"]}, queryset=Pledge.objects.all()).qs.get() == pledge
    assert not PledgeFilter({"sdg": ["5"]}, queryset=Pledge.objects.all()).qs.exists()
    assert client.get("/api/v1/pledges/?sdg=4").json()["results"][0]["public_id"] == pledge.public_id
