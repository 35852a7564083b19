import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pledges.models import Pledge, PledgePartner
from reference.models import Country, CountryGroupMembership, Pillar, StakeholderType
from reports.selectors import (
    GLOBAL,
    NO_REPORT,
    NOT_RECORDED,
    NOT_STATED,
    breakdowns,
    exchange_rates_used,
    headline_figures,
    implementation_figures,
    pledge_snapshot_rows,
    report_cutoff,
    report_figures,
    reporting_year,
    year_on_year,
)
from tests.factories import OrganisationFactory, PledgeFactory, published_pledge

from .helpers import progress_report, utc

pytestmark = pytest.mark.django_db

IN_2025 = utc(2025, 6, 1, 12, 0)


def rows_for(year: int) -> list[dict]:
    return pledge_snapshot_rows(cutoff=report_cutoff(year=year))


def public_ids(rows) -> list[str]:
    return [r["public_id"] for r in rows]


def test_cutoff_is_last_microsecond_of_31_december_in_reporting_time_zone(bogota):
    cutoff = report_cutoff(year=2025)

    assert cutoff == utc(2026, 1, 1, 4, 59, 59, 999999)
    assert cutoff.utcoffset() == dt.timedelta(0)


def test_cutoff_in_utc_by_default(settings):
    settings.P2C_TIME_ZONE = "UTC"

    assert report_cutoff(year=2025) == utc(2025, 12, 31, 23, 59, 59, 999999)


def test_pledge_published_late_on_31_december_local_time_is_in_that_years_report(bogota):
    cutoff = report_cutoff(year=2025)
    late_evening = published_pledge(published_at=utc(2026, 1, 1, 4, 30))  # 31 Dec 2025, 23:30 in Bogota
    at_cutoff = published_pledge(published_at=cutoff)
    after_cutoff = published_pledge(published_at=cutoff + dt.timedelta(seconds=1))

    ids_2025 = public_ids(rows_for(2025))
    ids_2026 = public_ids(rows_for(2026))

    assert late_evening.public_id in ids_2025
    assert at_cutoff.public_id in ids_2025
    assert after_cutoff.public_id not in ids_2025
    assert after_cutoff.public_id in ids_2026


def test_only_published_pledges_are_in_the_snapshot():
    published = published_pledge(published_at=IN_2025)
    draft = PledgeFactory()
    Pledge.objects.filter(pk=draft.pk).update(published_at=IN_2025)  # a date alone does not publish

    assert public_ids(rows_for(2025)) == [published.public_id]


def test_rows_are_ordered_by_public_id_and_survive_json():
    second = published_pledge(title="B", published_at=utc(2025, 3, 1))
    first = published_pledge(title="A", published_at=utc(2025, 2, 1))
    rows = rows_for(2025)

    assert public_ids(rows) == sorted([first.public_id, second.public_id])
    assert json.loads(json.dumps(rows)) == rows
    assert headline_figures(json.loads(json.dumps(rows))) == headline_figures(rows)


def test_joint_pledge_value_counted_once_and_confirmed_partners_counted_as_entities():
    lead, partner, decliner, other = OrganisationFactory.create_batch(4)
    joint = published_pledge(lead, value="1000", published_at=IN_2025, partners=[partner, decliner])
    PledgePartner.objects.filter(pledge=joint, organisation=decliner).update(
        status=PledgePartner.Status.DECLINED
    )
    published_pledge(other, value="500", published_at=IN_2025)

    rows = rows_for(2025)
    figures = headline_figures(rows)

    joint_row = next(r for r in rows if r["public_id"] == joint.public_id)
    assert [p["slug"] for p in joint_row["partners"]] == [partner.slug]
    assert figures["pledges"] == 2
    assert figures["value_usd_total"] == "1500.00"
    assert figures["pledging_entities"] == 3  # lead, confirmed partner, other; not the decliner


def test_entity_leading_one_pledge_and_partner_in_another_counts_once():
    a, b = OrganisationFactory.create_batch(2)
    published_pledge(a, published_at=IN_2025, partners=[b])
    published_pledge(b, published_at=IN_2025, partners=[a])

    assert headline_figures(rows_for(2025))["pledging_entities"] == 2


def test_bangladesh_membership_of_the_ldcs_ends_with_its_graduation_in_november_2026():
    membership = CountryGroupMembership.objects.get(country__iso2="BD", group__code="LDC")

    assert membership.valid_until == dt.date(2026, 11, 24)


def test_ldc_share_uses_group_membership_at_the_cutoff():
    to_bangladesh = published_pledge(countries=("BD",), published_at=IN_2025)
    published_pledge(countries=("KE",), published_at=IN_2025)

    rows_2025, rows_2026 = rows_for(2025), rows_for(2026)
    bd_2025 = next(r for r in rows_2025 if r["public_id"] == to_bangladesh.public_id)
    bd_2026 = next(r for r in rows_2026 if r["public_id"] == to_bangladesh.public_id)

    assert bd_2025["beneficiary_countries"][0]["groups"] == ["LDC"]
    assert bd_2026["beneficiary_countries"][0]["groups"] == []
    assert headline_figures(rows_2025)["ldc_pledges"] == 1
    assert headline_figures(rows_2025)["ldc_share"] == "50.0"
    assert headline_figures(rows_2026)["ldc_pledges"] == 0
    assert headline_figures(rows_2026)["ldc_share"] == "0.0"


def test_membership_is_taken_on_the_cutoff_date_in_the_reporting_time_zone(bogota):
    # Suppose Malawi left the LDCs on 1 January 2026. The 2025 cut-off is 31 December 2025 in Bogota but
    # already 1 January 2026 in UTC: the local date counts, so Malawi is still an LDC in the 2025 report.
    CountryGroupMembership.objects.filter(country__iso2="MW", group__code="LDC").update(
        valid_until=dt.date(2026, 1, 1)
    )
    published_pledge(countries=("MW",), published_at=IN_2025)

    [row] = rows_for(2025)

    assert row["beneficiary_countries"][0]["groups"] == ["LDC", "LLDC"]


def test_ldc_share_is_a_percentage_with_one_decimal_rounded_half_up():
    published_pledge(countries=("MW",), published_at=IN_2025)
    for _ in range(2):
        published_pledge(countries=("KE",), published_at=IN_2025)

    figures = headline_figures(rows_for(2025))

    assert figures["ldc_pledges"] == 1
    assert figures["ldc_share"] == "33.3"
    assert figures["lldc_pledges"] == 1
    assert figures["beneficiary_countries"] == 2


def test_no_pledges_gives_zero_figures_and_no_share():
    figures = headline_figures([])

    assert figures["pledges"] == 0
    assert figures["value_usd_total"] == "0.00"
    assert figures["ldc_share"] is None


def test_pledge_with_several_types_counts_under_each_type():
    published_pledge(
        pledge_types=("financial", "policy"),
        focus_areas=("access", "adoption"),
        value="100",
        published_at=IN_2025,
    )
    published_pledge(pledge_types=("policy",), focus_areas=("access",), value="50", published_at=IN_2025)

    tables = breakdowns(rows_for(2025))

    assert tables["pledge_types"] == [
        {"slug": "financial", "name": "Financial", "pledges": 1, "value_usd": "100.00", "share": "50.0"},
        {"slug": "policy", "name": "Policy", "pledges": 2, "value_usd": "150.00", "share": "100.0"},
    ]
    assert tables["focus_areas"] == [
        {"slug": "access", "name": "Access", "pledges": 2, "value_usd": "150.00", "share": "100.0"},
        {"slug": "adoption", "name": "Adoption", "pledges": 1, "value_usd": "100.00", "share": "50.0"},
    ]
    assert headline_figures(rows_for(2025))["value_usd_total"] == "150.00"


def test_stakeholder_type_breakdown_counts_each_pledge_once_under_its_lead():
    company = OrganisationFactory(stakeholder_type=StakeholderType.objects.get(slug="private-sector"))
    government = OrganisationFactory()
    published_pledge(company, value="10", published_at=IN_2025, partners=[government])
    published_pledge(government, value="5", published_at=IN_2025)

    assert breakdowns(rows_for(2025))["stakeholder_types"] == [
        {"slug": "government", "name": "Government", "pledges": 1, "value_usd": "5.00", "share": "50.0"},
        {
            "slug": "private-sector",
            "name": "Private sector",
            "pledges": 1,
            "value_usd": "10.00",
            "share": "50.0",
        },
    ]


def test_amounts_without_exchange_rate_are_not_in_the_usd_total():
    published_pledge(value="1000", currency="EUR", published_at=IN_2025)  # ECB 2022 average: 1.0530
    published_pledge(value="1000", currency="XOF", published_at=IN_2025)  # no rate entered
    published_pledge(published_at=IN_2025)  # no amount

    rows = rows_for(2025)
    figures = headline_figures(rows)

    assert figures["value_usd_total"] == "1053.00"
    assert isinstance(Decimal(figures["value_usd_total"]), Decimal)
    assert figures["pledges_with_value_usd"] == 1
    assert figures["pledges_with_value_not_converted"] == 1
    assert figures["pledges_without_value"] == 1
    [rate] = exchange_rates_used(rows)
    assert rate["currency"] == "EUR"
    assert rate["date"] == "2022-12-31"
    assert Decimal(rate["usd_per_unit"]) == Decimal("1.053")
    assert "European Central Bank" in rate["source"]
    assert rate["pledges"] == 1


def test_global_pledges_and_pledges_without_countries():
    worldwide = published_pledge(countries=(), published_at=IN_2025)
    Pledge.objects.filter(pk=worldwide.pk).update(is_global=True)
    published_pledge(countries=(), published_at=IN_2025)
    published_pledge(countries=("MW",), published_at=IN_2025)

    figures = headline_figures(rows_for(2025))

    assert figures["global_pledges"] == 1
    assert figures["pledges_without_countries"] == 1


def test_snapshot_runs_the_same_number_of_queries_for_1_or_many_pledges():
    cutoff = report_cutoff(year=2025)
    published_pledge(countries=("BD", "MW"), value="10", currency="EUR", published_at=IN_2025)
    with CaptureQueriesContext(connection) as one:
        assert len(pledge_snapshot_rows(cutoff=cutoff)) == 1

    for _ in range(5):
        published_pledge(
            countries=("KE", "FJ", "NP"),
            pledge_types=("financial", "policy"),
            focus_areas=("access", "adoption"),
            value="20",
            currency="EUR",
            published_at=IN_2025,
            partners=OrganisationFactory.create_batch(2),
        )
    with CaptureQueriesContext(connection) as many:
        assert len(pledge_snapshot_rows(cutoff=cutoff)) == 6

    assert len(many) == len(one)
    assert len(many) <= 25  # reference tables, links and progress: one query each


# --- the breakdowns added for the annual report --------------------------------------------------------


def by_slug(entries) -> dict:
    return {e["slug"]: e for e in entries}


def test_pillars_are_counted_under_their_focus_area():
    pillars = list(Pillar.objects.filter(focus_area__slug="access").order_by("order")[:2])
    pledge = published_pledge(value="100", published_at=IN_2025)
    pledge.pillars.set(pillars)
    published_pledge(value="50", published_at=IN_2025).pillars.set(pillars[:1])

    entries = breakdowns(rows_for(2025))["pillars"]

    assert [(e["slug"], e["focus_area"], e["pledges"], e["value_usd"]) for e in entries] == [
        (pillars[0].slug, "access", 2, "150.00"),
        (pillars[1].slug, "access", 1, "100.00"),
    ]


def test_region_of_origin_is_the_lead_organisations_m49_region():
    kenyan = OrganisationFactory(country=Country.objects.get(iso2="KE"))
    french = OrganisationFactory(country=Country.objects.get(iso2="FR"))
    international = OrganisationFactory(country=None)
    published_pledge(kenyan, value="10", published_at=IN_2025)
    published_pledge(french, value="20", published_at=IN_2025)
    published_pledge(international, value="30", published_at=IN_2025)

    regions = by_slug(breakdowns(rows_for(2025))["origin_regions"])

    assert regions["002"]["name"] == "Africa"
    assert (regions["002"]["pledges"], regions["002"]["value_usd"]) == (1, "10.00")
    assert (regions["150"]["name"], regions["150"]["pledges"]) == ("Europe", 1)
    assert (regions[NOT_STATED]["pledges"], regions[NOT_STATED]["value_usd"]) == (1, "30.00")
    assert list(regions)[-1] == NOT_STATED  # synthetic categories last


def test_region_of_implementation_counts_a_pledge_once_per_region_of_its_countries():
    published_pledge(countries=("KE", "MW", "FJ"), value="100", published_at=IN_2025)
    worldwide = published_pledge(countries=(), published_at=IN_2025)
    Pledge.objects.filter(pk=worldwide.pk).update(is_global=True)
    published_pledge(countries=(), published_at=IN_2025)

    regions = by_slug(breakdowns(rows_for(2025))["implementation_regions"])

    assert regions["002"]["pledges"] == 1  # Kenya and Malawi: Africa once
    assert regions["002"]["value_usd"] == "100.00"
    assert regions["009"]["pledges"] == 1  # Fiji: Oceania
    assert regions[GLOBAL]["pledges"] == 1
    assert regions[NOT_STATED]["pledges"] == 1


def test_country_group_targeting_counts_pledges_and_value_per_group():
    published_pledge(countries=("MW",), value="100", published_at=IN_2025)  # LDC and LLDC
    published_pledge(countries=("FJ",), value="10", published_at=IN_2025)  # SIDS
    published_pledge(countries=("KE",), value="1", published_at=IN_2025)  # none

    groups = breakdowns(rows_for(2025))["country_groups"]

    assert [(g["slug"], g["pledges"], g["value_usd"], g["share"]) for g in groups] == [
        ("LDC", 1, "100.00", "33.3"),
        ("LLDC", 1, "100.00", "33.3"),
        ("SIDS", 1, "10.00", "33.3"),
    ]


def test_sdgs_and_beneficiary_groups_are_counted_when_recorded_and_not_recorded_otherwise():
    recorded = {
        **snapshot_row("A"),
        "sdgs": [{"number": 4, "name": "Quality education"}, {"number": 9, "name": "Industry"}],
        "beneficiary_groups": [{"slug": "youth", "name": "Youth", "order": 2}],
    }
    none_stated = {**snapshot_row("B"), "sdgs": [], "beneficiary_groups": []}
    older = snapshot_row("C")  # a snapshot taken before pledges recorded them

    tables = breakdowns([recorded, none_stated, older])

    assert [(e["slug"], e["pledges"]) for e in tables["sdgs"]] == [
        ("sdg-4", 1),
        ("sdg-9", 1),
        (NOT_STATED, 1),
        (NOT_RECORDED, 1),
    ]
    assert [(e["slug"], e["pledges"]) for e in tables["beneficiary_groups"]] == [
        ("youth", 1),
        (NOT_STATED, 1),
        (NOT_RECORDED, 1),
    ]


def test_snapshot_rows_carry_the_sdgs_and_beneficiary_groups_the_pledge_model_records():
    pledge = published_pledge(published_at=IN_2025)
    has_sdgs = hasattr(Pledge, "sdgs") and hasattr(Pledge, "beneficiary_groups")
    if has_sdgs:
        from reference.models import SDG, BeneficiaryGroup

        pledge.sdgs.set(SDG.objects.filter(number__in=[9, 4]))
        pledge.beneficiary_groups.set(BeneficiaryGroup.objects.order_by("order")[:1])

    [row] = rows_for(2025)

    if has_sdgs:
        assert [s["number"] for s in row["sdgs"]] == [4, 9]
        assert len(row["beneficiary_groups"]) == 1
    else:
        assert "sdgs" not in row and "beneficiary_groups" not in row


def test_implementation_uses_each_pledges_latest_public_progress_report_up_to_the_cutoff():
    on_track, delayed, silent = (published_pledge(published_at=IN_2025) for _ in range(3))
    progress_report(on_track, status="not_started", percent=0, at=utc(2025, 7, 1))
    progress_report(on_track, status="on_track", percent=40, at=utc(2025, 10, 1))
    progress_report(delayed, status="completed", percent=100, at=utc(2026, 1, 2))  # after the cut-off
    progress_report(delayed, status="delayed", percent=20, at=utc(2025, 11, 1))
    progress_report(silent, status="completed", percent=90, at=utc(2025, 12, 1), published=False)  # a draft

    rows = rows_for(2025)
    figures = implementation_figures(rows)

    by_id = {r["public_id"]: r["progress"] for r in rows}
    assert by_id[on_track.public_id]["implementation_status"] == "on_track"
    assert by_id[delayed.public_id]["implementation_status"] == "delayed"
    assert by_id[silent.public_id] is None
    assert figures["statuses"] == [
        {"slug": "on_track", "pledges": 1, "share": "33.3"},
        {"slug": "delayed", "pledges": 1, "share": "33.3"},
        {"slug": NO_REPORT, "pledges": 1, "share": "33.3"},
    ]
    assert (figures["reporting_pledges"], figures["reporting_rate"]) == (2, "66.7")
    assert figures["mean_percent_complete"] == "30.0"


def test_year_on_year_compares_with_the_rows_published_by_the_previous_cutoff(bogota):
    a, b = OrganisationFactory.create_batch(2)
    published_pledge(a, countries=("KE",), value="100", published_at=utc(2024, 5, 1))
    # 23:30 on 31 December 2024 in Bogota (UTC-5): still 2024 there.
    published_pledge(a, countries=("MW",), value="50", published_at=utc(2025, 1, 1, 4, 30))
    published_pledge(b, countries=("FJ",), value="150", published_at=utc(2025, 6, 1))

    yoy = year_on_year(rows_for(2025), previous_cutoff=report_cutoff(year=2024))

    items = {i["key"]: i for i in yoy["items"]}
    assert (items["pledges"]["previous"], items["pledges"]["current"], items["pledges"]["change"]) == (
        2,
        3,
        1,
    )
    assert items["pledges"]["growth"] == "50.0"
    assert (items["value_usd_total"]["previous"], items["value_usd_total"]["change"]) == ("150.00", "150.00")
    assert items["value_usd_total"]["growth"] == "100.0"
    assert (items["pledging_entities"]["previous"], items["pledging_entities"]["current"]) == (1, 2)
    assert items["beneficiary_countries"]["growth"] == "50.0"


def test_growth_from_nothing_has_no_percentage():
    published_pledge(published_at=IN_2025)

    items = {
        i["key"]: i for i in year_on_year(rows_for(2025), previous_cutoff=report_cutoff(year=2024))["items"]
    }

    assert items["pledges"]["previous"] == 0
    assert items["pledges"]["growth"] is None


def test_report_figures_of_a_snapshot_are_the_same_after_a_json_round_trip():
    published_pledge(countries=("BD", "FJ"), value="1000", currency="EUR", published_at=IN_2025)
    published_pledge(countries=(), value="5", published_at=utc(2024, 3, 1))
    snapshot = {
        "year": 2025,
        "time_zone": "UTC",
        "cutoff": report_cutoff(year=2025).isoformat(),
        "previous_cutoff": report_cutoff(year=2024).isoformat(),
        "rows": rows_for(2025),
    }

    first = report_figures(snapshot)

    assert report_figures(json.loads(json.dumps(snapshot))) == first
    assert json.loads(json.dumps(first)) == first


def test_reporting_year_of_23_30_on_31_december_in_utc_minus_5_is_that_year(bogota):
    moment = utc(2026, 1, 1, 4, 30)  # 31 December 2025, 23:30 in Bogota

    assert reporting_year(moment) == 2025
    assert reporting_year(moment, time_zone="UTC") == 2026


def snapshot_row(public_id: str) -> dict:
    """A minimal snapshot row (as ``pledge_snapshot_rows`` writes it) for pure breakdown tests."""
    organisation = {
        "name": "Org",
        "slug": "org",
        "stakeholder_type": {"slug": "government", "name": "Government", "order": 1},
        "country": None,
        "region": None,
    }
    return {
        "public_id": public_id,
        "title": public_id,
        "summary": "",
        "lead_organisation": organisation,
        "partners": [],
        "focus_areas": [],
        "pillars": [],
        "pledge_types": [],
        "is_global": False,
        "beneficiary_countries": [],
        "progress": None,
        "value_amount": None,
        "value_currency": None,
        "value_usd": None,
        "usd_rate": None,
        "published_at": "2025-06-01T00:00:00+00:00",
    }
