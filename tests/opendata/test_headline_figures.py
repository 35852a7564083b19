"""The dashboard's headline figures can be re-computed from the pledges CSV download alone."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from reports.selectors import headline_figures, pledge_snapshot_rows
from reports.views import current_headline_figures

from ..factories import OrganisationFactory, published_pledge

pytestmark = pytest.mark.django_db


def figures_from_csv(text: str) -> dict:
    """Pledges, pledging entities, USD total, beneficiary countries and LDC share, from the CSV alone."""
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    split = lambda cell: [v for v in cell.split(";") if v]  # noqa: E731
    entities, countries, total, ldc = set(), set(), Decimal("0"), 0
    for row in rows:
        entities.add(row["lead_organisation"])
        entities.update(split(row["partner_organisations"]))
        countries.update(split(row["beneficiary_countries"]))
        if row["value_usd"]:
            total += Decimal(row["value_usd"])
        ldc += bool(split(row["beneficiary_countries_ldc"]))
    share = (Decimal(ldc) * 100 / len(rows)).quantize(Decimal("0.1")) if rows else None
    return {
        "pledges": len(rows),
        "pledging_entities": len(entities),
        "value_usd_total": str(total.quantize(Decimal("0.01"))),
        "beneficiary_countries": len(countries),
        "ldc_share": None if share is None else str(share),
    }


def test_headline_figures_recomputed_from_the_csv_match_the_dashboard(client, public_data):
    now = timezone.now()
    # More variety: a pledge in a graduated LDC (Bhutan left the LDC list in December 2023), one in another currency,
    # a joint pledge sharing a partner, one without value.
    other = OrganisationFactory(name="Telecom Co", slug="telecom-co")
    published_pledge(
        other,
        title="Bhutan towers",
        countries=("BT",),
        value="2000000",
        currency="USD",
        published_at=now - dt.timedelta(days=2),
    )
    published_pledge(
        other,
        title="Sahel fibre",
        countries=("NE", "ML", "BF"),
        value="300000",
        currency="EUR",
        published_at=now - dt.timedelta(days=1),
        partners=[public_data["partner"]],
    )
    published_pledge(other, title="No value", countries=("MW",), published_at=now - dt.timedelta(hours=3))

    response = client.get("/data/pledges.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    from_csv = figures_from_csv(text)

    dashboard = current_headline_figures()
    expected = headline_figures(pledge_snapshot_rows(cutoff=timezone.now()))
    assert dashboard == expected
    keys = ("pledges", "pledging_entities", "value_usd_total", "beneficiary_countries", "ldc_share")
    assert from_csv == {k: dashboard[k] for k in keys}
    assert from_csv["pledges"] == 6 and Decimal(from_csv["value_usd_total"]) > Decimal("2050000")
