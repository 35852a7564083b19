"""``manage.py load_demo_data``: publicly announced P2C pledges loaded as published demo data.

Data: ``pledges/demo/p2c_public_pledges.csv`` and ``partner_organisations.csv`` (sources in
``pledges/demo/SOURCES.md``); EUR rate: ECB annual average 2022, 1 EUR = 1.0530 USD (``reference/data``).
"""

import csv
import datetime as dt
import zoneinfo
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from organisations.models import Membership, Organisation
from pledges.demo.loader import (
    PARTNER_COLUMNS,
    PARTNERS_CSV,
    PLEDGE_COLUMNS,
    PLEDGES_CSV,
    load_demo_data,
    read_csv_rows,
    truncate_summary,
)
from pledges.models import Pledge, PledgePartner, PublicIdSequence
from tests.factories import OrganisationFactory

GHANA = "Government of Ghana (Ministry of Communications and Digitalisation)"
GIZ = "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ)"


def csv_rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_pledges_csv(path, *rows):
    """A pledges file with the demo columns; each row gives some columns, the rest are empty."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=PLEDGE_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in PLEDGE_COLUMNS})
    return path


def a_row(**values):
    row = {
        "pledging_entity": "Ministry of Information and Communication Technology, Namibia",
        "entity_type": "Government",
        "entity_country_iso2": "NA",
        "title": "Rural broadband",
        "summary": "Connect rural constituencies.",
        "focus_areas": "Access",
        "pledge_type": "Financial",
        "start_year": "2023",
        "end_year": "2025",
        "source_url": "https://example.org/namibia",
    }
    return row | values


@pytest.fixture
def loaded(db):
    return load_demo_data()


def test_demo_files_have_the_expected_columns_and_rows():
    pledges, partners = csv_rows(PLEDGES_CSV), csv_rows(PARTNERS_CSV)
    assert tuple(pledges[0]) == PLEDGE_COLUMNS
    assert tuple(partners[0]) == PARTNER_COLUMNS
    assert len(pledges) == 23
    named_partners = {n.strip() for r in pledges for n in r["partner_entities"].split(";") if n.strip()}
    assert named_partners == {r["name"] for r in partners}
    assert all("our" in r["source_note"] for r in partners)


def test_loading_creates_23_published_pledges_of_25_verified_organisations(loaded):
    leads = {r["pledging_entity"] for r in csv_rows(PLEDGES_CSV)}
    assert len(leads) == 20  # SOURCES.md of the shared data says 16; the file has 20
    assert Pledge.objects.count() == 23
    assert Pledge.objects.published().count() == 23
    assert Organisation.objects.count() == 20 + 5
    assert set(Organisation.objects.values_list("verification", flat=True)) == {"verified"}
    assert (loaded.organisations_created, loaded.pledges_created) == (25, 23)
    assert (loaded.organisations_existing, loaded.pledges_existing) == (0, 0)


def test_organisations_get_their_stakeholder_type_and_country(loaded):
    ghana = Organisation.objects.get(name=GHANA)
    assert (ghana.stakeholder_type.slug, ghana.country.iso2) == ("government", "GH")
    dial = Organisation.objects.get(name="Digital Impact Alliance (DIAL)")
    assert (dial.stakeholder_type.slug, dial.country.iso2) == ("civil-society", "US")
    itu = Organisation.objects.get(name="International Telecommunication Union (ITU)")
    assert (itu.stakeholder_type.slug, itu.country) == ("un-entity", None)
    assert Organisation.objects.get(name="VEON").country is None
    assert Organisation.objects.get(name="Microsoft").stakeholder_type.slug == "private-sector"
    assert Organisation.objects.get(name="Internet Society").slug == "internet-society"


def test_no_users_or_memberships_are_created(loaded):
    assert get_user_model().objects.count() == 0
    assert Membership.objects.count() == 0
    assert not Pledge.objects.exclude(created_by=None).exists()


def test_govstack_is_a_joint_pledge_with_three_confirmed_partners(loaded):
    govstack = Pledge.objects.get(title="GovStack initiative for digital public goods")
    assert govstack.lead_organisation.name == GIZ
    assert govstack.is_joint
    partners = {p.organisation.name: p.status for p in govstack.partners.all()}
    assert partners == {
        "Government of Estonia": PledgePartner.Status.CONFIRMED,
        "Digital Impact Alliance (DIAL)": PledgePartner.Status.CONFIRMED,
        "International Telecommunication Union (ITU)": PledgePartner.Status.CONFIRMED,
    }
    assert sorted(
        Pledge.objects.filter(partners__isnull=False).distinct().values_list("title", flat=True)
    ) == [
        "GovStack initiative for digital public goods",
        "Hamburg Declaration on Responsible AI for the SDGs",
        "ICT skills training in Cambodia",
    ]


def test_ghana_eur_pledge_is_valued_in_usd_at_the_sourced_ecb_2022_rate(loaded):
    pledge = Pledge.objects.get(lead_organisation__name=GHANA, title__startswith="Rural Telephony")
    assert (pledge.value_amount, pledge.value_currency_id) == (Decimal("155000000.00"), "EUR")
    assert pledge.usd_rate.usd_per_unit == Decimal("1.0530")
    assert "European Central Bank" in pledge.usd_rate.source
    assert pledge.value_usd == Decimal("155000000") * Decimal("1.0530") == Decimal("163215000.00")


def test_usd_values_equal_the_usd_amounts_stated_by_the_sources(loaded):
    stated = [r for r in csv_rows(PLEDGES_CSV) if r["value_usd"]]
    assert len(stated) == 10
    for row in stated:
        pledge = Pledge.objects.get(lead_organisation__name=row["pledging_entity"], title=row["title"])
        assert pledge.value_usd == Decimal(row["value_usd"]), row["title"]
        assert pledge.usd_rate.currency_id == "USD"


def test_pledge_fields_come_from_the_csv(loaded):
    pledge = Pledge.objects.get(title="ICT skills training in Cambodia")
    assert [c.iso2 for c in pledge.beneficiary_countries.all()] == ["KH"]
    assert [f.slug for f in pledge.focus_areas.all()] == ["adoption"]
    assert [t.slug for t in pledge.pledge_types.all()] == ["programmatic"]
    assert (pledge.start_date, pledge.end_date) == (dt.date(2022, 1, 1), None)
    assert pledge.description.endswith(
        "\n\nSource: https://www.mobileworldlive.com/huawei/huawei-teams-with-un-on-partner2connect/"
    )
    ghana = Pledge.objects.get(title="National Roaming policy for rural connectivity")
    assert {f.name for f in ghana.focus_areas.all()} == {"Access", "Accelerate"}
    assert (ghana.start_date, ghana.end_date) == (dt.date(2022, 1, 1), dt.date(2023, 12, 31))
    microsoft = Pledge.objects.get(lead_organisation__name="Microsoft")
    assert not microsoft.is_global and not microsoft.beneficiary_countries.exists()
    assert microsoft.value_amount is None and microsoft.value_usd is None


def test_published_at_is_new_year_of_the_start_year_in_the_reporting_time_zone(db, settings):
    settings.P2C_TIME_ZONE = "Pacific/Auckland"
    load_demo_data()
    pledge = Pledge.objects.get(lead_organisation__name=GHANA, title__startswith="Rural Telephony")
    assert pledge.published_at == dt.datetime(2022, 1, 1, tzinfo=zoneinfo.ZoneInfo("Pacific/Auckland"))
    assert pledge.published_at.astimezone(dt.UTC).date() == dt.date(2021, 12, 31)
    assert pledge.public_id == "P2C-2022-0001"


def test_pledges_without_a_start_year_are_published_at_the_time_of_loading(db):
    before = timezone.now()
    load_demo_data()
    after = timezone.now()
    undated = Pledge.objects.filter(start_date=None).order_by("lead_organisation__name")
    assert [p.lead_organisation.name for p in undated] == [
        "Eutelsat",
        "United Nations Development Programme (UNDP)",
    ]
    for pledge in undated:
        assert before <= pledge.published_at <= after
        assert pledge.public_id.startswith(f"P2C-{timezone.localdate(pledge.published_at).year}-")


def test_every_column_is_read_as_text_so_namibia_stays_na(db, tmp_path):
    path = write_pledges_csv(
        tmp_path / "pledges.csv",
        a_row(beneficiary_countries_iso2="NA;ZM", value_amount="2500000.50", value_currency="NAD"),
    )
    assert {type(v) for row in read_csv_rows(path, columns=PLEDGE_COLUMNS) for v in row.values.values()} == {
        str
    }

    result = load_demo_data(pledges_csv=path)

    pledge = Pledge.objects.get()
    assert pledge.lead_organisation.country.iso2 == "NA"
    assert sorted(c.iso2 for c in pledge.beneficiary_countries.all()) == ["NA", "ZM"]
    assert pledge.value_amount == Decimal("2500000.50")
    assert (pledge.start_date, pledge.end_date) == (dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    # No exchange rate for the Namibian dollar: the value stays unconverted and the summary says so.
    assert (pledge.value_usd, pledge.usd_rate) == (None, None)
    assert result.unconverted == 1
    assert result.summary_lines()[-1].endswith("(no exchange rate): 1.")


def test_long_summaries_are_cut_on_a_word_boundary_and_kept_whole_in_the_description(db, tmp_path):
    text = "Connect every school " + "and every clinic " * 30 + "by 2030."
    load_demo_data(pledges_csv=write_pledges_csv(tmp_path / "p.csv", a_row(summary=text)))
    pledge = Pledge.objects.get()
    assert len(pledge.summary) <= 300 and pledge.summary.endswith(" and…")
    assert text.startswith(pledge.summary.removesuffix("…") + " ")
    assert pledge.description == f"{text}\n\nSource: https://example.org/namibia"


def test_truncate_summary():
    assert truncate_summary("Short enough.") == "Short enough."
    assert truncate_summary("alpha beta gamma", limit=12) == "alpha beta…"
    assert truncate_summary("alpha beta, gamma", limit=12) == "alpha beta…"
    assert truncate_summary("alpha beta gamma", limit=11) == "alpha beta…"
    assert truncate_summary("x" * 20, limit=10) == "x" * 9 + "…"


def test_an_unknown_stakeholder_type_names_the_row_and_writes_nothing(db, tmp_path):
    path = write_pledges_csv(
        tmp_path / "p.csv",
        a_row(),
        a_row(pledging_entity="A foundation", title="Second pledge", entity_type="Foundation"),
    )
    with pytest.raises(CommandError, match=r"line 3 .*Second pledge.*'Foundation'"):
        load_demo_data(pledges_csv=path)
    assert not Organisation.objects.exists()
    assert not Pledge.objects.exists()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("focus_areas", "Access;Connectivity", "unknown focus area 'Connectivity'"),
        ("beneficiary_countries_iso2", "ZZ", "unknown ISO 3166-1 alpha-2 code"),
        ("start_year", "2023.0", "four-digit year"),
        ("end_year", "2020", "pledge_end_not_before_start"),
        ("value_amount", "12.345", "in cents"),
        ("value_amount", "NA", "'NA' is not a number"),
        ("value_currency", "XYZ", "unknown ISO 4217 currency 'XYZ'"),
        ("partner_entities", "Unknown partner", "partner 'Unknown partner' is not in"),
    ],
)
def test_malformed_rows_are_refused_with_the_row_named(db, tmp_path, column, value, message):
    row = a_row(value_amount="1000", value_currency="USD") | {column: value}
    with pytest.raises(CommandError, match=message):
        load_demo_data(pledges_csv=write_pledges_csv(tmp_path / "p.csv", row))
    assert not Pledge.objects.exists()


def test_an_existing_organisation_is_reused_by_exact_name(db):
    microsoft = OrganisationFactory(name="Microsoft", slug="microsoft")
    result = load_demo_data()
    assert Pledge.objects.get(title="Digital skills for 10 million people").lead_organisation == microsoft
    assert (result.organisations_created, result.organisations_existing) == (24, 1)


def test_running_twice_changes_nothing(loaded):
    def state():
        return {
            "organisations": sorted(Organisation.objects.values_list("name", "slug", "updated_at")),
            "pledges": sorted(Pledge.objects.values_list("public_id", "title", "updated_at")),
            "partners": PledgePartner.objects.count(),
            "history": Pledge.history.count() + Organisation.history.count(),
            "sequences": sorted(PublicIdSequence.objects.values_list("year", "last_number")),
        }

    first = state()
    again = load_demo_data()
    assert state() == first
    assert (again.organisations_created, again.organisations_existing) == (0, 25)
    assert (again.pledges_created, again.pledges_existing) == (0, 23)


def test_command_prints_the_summary(db):
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:5] == [
        "Organisations: 25 created, 0 already present.",
        "Pledges: 23 created, 0 already present.",
        "Published pledges on the platform: 23, reaching 4 beneficiary countries.",
        "Total value of published pledges: USD 13,684,415,000.00 (joint pledges counted once).",
        "Published pledges with a value not converted to USD (no exchange rate): 0.",
    ]
    # The total is the source-stated USD amounts plus Ghana's EUR 155 million at 1.0530.
    stated = sum((Decimal(r["value_usd"]) for r in csv_rows(PLEDGES_CSV) if r["value_usd"]), Decimal(0))
    assert stated + Decimal("163215000.00") == Decimal("13684415000.00")

    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert "Pledges: 0 created, 23 already present." in out.getvalue()
