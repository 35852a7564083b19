"""Query counts of the public pages stay constant as the data grows, and at most 10 (no N+1)."""

import pytest
from django.urls import reverse

from organisations.models import Membership

from ..factories import OrganisationFactory, member, published_pledge

pytestmark = pytest.mark.django_db


def _pledges(n):
    partner = OrganisationFactory()
    for i in range(n):
        published_pledge(
            title=f"Pledge {i}",
            countries=("MW", "ZM", "TO"),
            focus_areas=("access", "adoption"),
            partners=[partner] if i % 2 else [],
        )


@pytest.mark.parametrize(("n", "per_page"), [(12, 10), (110, 100)])
def test_marketplace_queries_are_constant_and_at_most_10(client, django_assert_max_num_queries, n, per_page):
    _pledges(n)
    params = {"focus_area": "access", "q": "Pledge", "per_page": per_page}
    client.get(reverse("pledges:marketplace"), params)  # warms the cached filter labels
    # Another order: the filters and results are computed and rendered again (not from the page cache).
    with django_assert_max_num_queries(10):
        response = client.get(reverse("pledges:marketplace"), {**params, "sort": "title"})
    assert response.content.decode().count('class="card pledge-card') == per_page
    # The same page again comes from the cache: the fingerprint of the data and nothing else.
    with django_assert_max_num_queries(3):
        again = client.get(reverse("pledges:marketplace"), {**params, "sort": "title"})
    body = response.content.decode()
    body = body[body.index('<div class="row">') : body.index("</main>")]
    assert body in again.content.decode()


def test_a_cached_marketplace_page_shows_a_change_at_once(client):
    """The cached filters and results follow every saved change: a new pledge, a renamed organisation."""
    first = published_pledge(title="Fibre for Malawi")
    assert "Fibre for Malawi" in client.get(reverse("pledges:marketplace")).content.decode()
    published_pledge(title="Towers for Zambia", countries=("ZM",))
    html = client.get(reverse("pledges:marketplace")).content.decode()
    assert "Towers for Zambia" in html and "Fibre for Malawi" in html
    organisation = first.lead_organisation
    organisation.name = "Ministry of ICT of Malawi"
    organisation.save()
    assert "Ministry of ICT of Malawi" in client.get(reverse("pledges:marketplace")).content.decode()


@pytest.mark.parametrize("n", [3, 25])
def test_home_and_pledge_page_queries_are_constant(client, django_assert_max_num_queries, n):
    _pledges(n)
    with django_assert_max_num_queries(30):  # statistics computed (constant: one query per relation)
        assert client.get(reverse("home")).status_code == 200
    with django_assert_max_num_queries(8):  # figures from the cache
        assert client.get(reverse("home")).status_code == 200
    pledge = published_pledge(title="Detail", countries=("MW", "ZM", "TO", "NP"))
    client.get(pledge.get_absolute_url())  # warms the cached partner suggestions
    with django_assert_max_num_queries(10):
        assert client.get(pledge.get_absolute_url()).status_code == 200
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(10):
        assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.parametrize("n", [2, 12])
def test_workspace_queries_are_constant(client, django_assert_max_num_queries, n):
    organisation = OrganisationFactory()
    user = member(organisation, Membership.Role.OWNER)
    for i in range(n):
        published_pledge(organisation, title=f"P{i}")
    client.force_login(user)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("pledges:workspace")).status_code == 200
