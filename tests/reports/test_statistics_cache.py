"""The site's figures on many pledges: computed once per change of the public data, and while one request
computes new figures the others answer with the previous ones (no stampede)."""

import pytest
from django.core.cache import cache

from pledges.models import Pledge
from reports import views

from ..factories import PledgeFactory, published_pledge

pytestmark = pytest.mark.django_db


def test_figures_follow_a_publication_and_ignore_drafts(django_assert_max_num_queries):
    first = published_pledge(title="One")
    assert views.current_statistics()["figures"]["pledges"] == 1
    with django_assert_max_num_queries(1):  # the fingerprint only
        views.current_statistics()
    # Members at work (a draft with its deliverable and relations) do not change the public figures.
    PledgeFactory(lead_organisation=first.lead_organisation, status=Pledge.Status.DRAFT)
    with django_assert_max_num_queries(1):
        views.current_statistics()
    published_pledge(title="Two")
    assert views.current_statistics()["figures"]["pledges"] == 2


def test_while_one_request_computes_new_figures_the_others_get_the_previous_ones():
    published_pledge(title="One")
    assert views.current_statistics()["figures"]["pledges"] == 1
    cache.add(views.STATISTICS_LOCK_KEY, "someone else", 60)  # another request is computing
    published_pledge(title="Two")
    assert views.current_statistics()["figures"]["pledges"] == 1
    cache.delete(views.STATISTICS_LOCK_KEY)  # it is done (or gave up): the next request computes
    assert views.current_statistics()["figures"]["pledges"] == 2
    assert cache.get(views.STATISTICS_LOCK_KEY) is None
