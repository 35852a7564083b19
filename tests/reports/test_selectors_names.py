"""The report's and the dashboard's category names in the language asked for (figures unchanged)."""

import pytest
from django.utils import timezone, translation

from reports import selectors

from ..factories import published_pledge

pytestmark = pytest.mark.django_db


def test_breakdown_names_follow_the_language_and_keep_the_figures():
    published_pledge(countries=("MW",), focus_areas=("access",), pledge_types=("financial",), value="10")
    published_pledge(countries=(), focus_areas=("adoption",))
    tables = selectors.breakdowns(selectors.pledge_snapshot_rows(cutoff=timezone.now()))
    with translation.override("fr"):
        french = selectors.localized_breakdowns(tables)
    with translation.override("ar"):
        arabic = selectors.localized_breakdowns(tables)
    names = {e["slug"]: e["name"] for e in french["focus_areas"]}
    assert names["access"] == "Accès"
    regions = {e["slug"]: e["name"] for e in french["implementation_regions"]}
    assert regions[selectors.NOT_STATED] == "Non précisé"
    assert regions["002"] == "Afrique"  # CLDR
    assert {e["slug"]: e["name"] for e in arabic["focus_areas"]}["access"] == "الوصول"
    for key in tables:
        assert [(e["slug"], e["pledges"], e["value_usd"]) for e in french[key]] == [
            (e["slug"], e["pledges"], e["value_usd"]) for e in tables[key]
        ]
