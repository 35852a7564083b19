"""The registry import: dry run of every row, import in one transaction, re-import updates, old IDs redirect."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from organisations.models import Organisation
from organisations.selectors import similar_organisations
from pledges.models import Pledge, PledgePartner, PledgeTransition
from pledges.search import search_fields_for
from reference.models import Country, FocusArea, PledgeType, StakeholderType
from secretariat.models import LegacyPledge, RegistryImport
from secretariat.registry import writer
from secretariat.registry.planning import OrganisationIndex
from tests.factories import OrganisationFactory, UserFactory, published_pledge

from .helpers import demo_bytes, dry_run, reasons, registry_csv, run_import

pytestmark = pytest.mark.django_db
R = RegistryImport.Status


@pytest.fixture
def admin_user():
    return UserFactory(is_staff=True, is_superuser=True)


def test_the_dry_run_of_the_demo_file_reports_every_row_and_writes_nothing(admin_user):
    data, partners = demo_bytes()
    before = (Pledge.objects.count(), Organisation.objects.count(), PledgeTransition.objects.count())

    record = dry_run(data, by=admin_user, partners=partners)

    assert record.status == R.CHECKED, record.report
    assert (record.row_count, record.create_count, record.update_count, record.refused_count) == (
        23,
        23,
        0,
        0,
    )
    assert [r["line"] for r in record.report] == list(range(2, 25))
    assert all(r["action"] == "create" for r in record.report)
    assert "(new organisation, verified)" in record.report[0]["organisation"]
    assert (Pledge.objects.count(), Organisation.objects.count(), PledgeTransition.objects.count()) == before


def test_the_demo_file_imports_and_a_second_import_updates_instead_of_duplicating(admin_user):
    data, partners = demo_bytes()
    record = run_import(dry_run(data, by=admin_user, partners=partners), by=admin_user)
    assert record.status == R.IMPORTED, record.error
    assert Pledge.objects.count() == 23
    govstack = Pledge.objects.get(title__startswith="GovStack")
    assert {p.organisation.name for p in govstack.partners.all()} == {
        "Government of Estonia",
        "Digital Impact Alliance (DIAL)",
        "International Telecommunication Union (ITU)",  # a pledging entity of another row
    }
    assert set(govstack.partners.values_list("status", flat=True)) == {PledgePartner.Status.CONFIRMED}

    again = dry_run(data, by=admin_user, partners=partners)
    assert (again.create_count, again.update_count, again.refused_count) == (0, 23, 0)
    assert "on the platform: same name" in again.report[0]["organisation"]
    assert run_import(again, by=admin_user).status == R.IMPORTED
    assert Pledge.objects.count() == 23
    assert Organisation.objects.count() == record.organisations_created


def test_the_demo_loader_and_the_import_agree_on_the_same_file(admin_user):
    """A pledge loaded by ``load_demo_data`` is recognised (same entity, same title) and updated in place."""
    from django.core.management import call_command

    call_command("load_demo_data", verbosity=0)
    ids = set(Pledge.objects.values_list("public_id", flat=True))
    data, partners = demo_bytes()
    record = dry_run(data, by=admin_user, partners=partners)
    assert (record.create_count, record.update_count, record.refused_count) == (0, 23, 0)
    run_import(record, by=admin_user)
    assert set(Pledge.objects.values_list("public_id", flat=True)) == ids


def test_refused_rows_name_every_reason_and_nothing_is_imported(admin_user):
    data = registry_csv(
        {"old_platform_id": "1", "beneficiary_countries_iso2": "Cote dIvoire; KE"},
        {"old_platform_id": "2", "title": "Second", "pillars": "Space elevators"},
        {"old_platform_id": "3", "title": "Third", "value_amount": "five million"},
        {"old_platform_id": "4", "title": "Fourth", "start_year": "2024", "end_year": "2020"},
        {"old_platform_id": "5", "title": "Fifth", "entity_country_iso2": "Atlantis", "status": "draft"},
        {"old_platform_id": "5", "title": "Sixth"},
        {
            "old_platform_id": "7",
            "title": "Seventh",
            "published_at": "2999-01-01",
            "entity_type": "Aliens",
            "entity_country_iso2": "FR",
            "pledging_entity": "Unknown Org",
        },
        {
            "old_platform_id": "8",
            "title": "Fine",
            "beneficiary_countries_iso2": "Côte d’Ivoire; Ivory Coast; ci",
        },
    )
    record = dry_run(data, by=admin_user)

    assert record.status == R.REFUSED
    found = reasons(record)
    assert found[2] == [
        "Unknown country “Cote dIvoire” in column beneficiary_countries_iso2. Did you mean “Côte d’Ivoire” (CI)?"
    ]
    assert "unknown pillar 'Space elevators' in column pillars." in found[3]
    assert "value_amount 'five million' is not a number." in found[4]
    assert found[5] == ["The end (2020-12-31) is before the start (2024-01-01)."]
    assert any("Atlantis" in r for r in found[6]) and any(
        "Status “draft” cannot be imported" in r for r in found[6]
    )
    assert found[7] == ["old_platform_id 5 is already on line 6."]
    assert any("in the future" in r for r in found[8]) and any(
        "unknown stakeholder type 'Aliens'" in r for r in found[8]
    )
    assert 9 not in found
    assert (record.create_count, record.refused_count) == (1, 7)

    run = run_import(record, by=admin_user) if record.can_import else record
    assert run.status == R.REFUSED
    assert Pledge.objects.count() == 0 and Organisation.objects.count() == 0


def test_statuses_publication_dates_and_values_are_kept(admin_user):
    data = registry_csv(
        {
            "old_platform_id": "1",
            "status": "completed",
            "published_at": "2021-03-04T10:30:00+02:00",
            "value_amount": "1,250,000.50",
            "value_currency": "EUR",
            "start_date": "2021-03-01",
            "end_year": "2024",
            "pillars": "Affordability",
            "focus_areas": "Adoption",
        },
        {
            "old_platform_id": "2",
            "title": "Withdrawn one",
            "status": "Withdrawn",
            "published_at": "",
            "start_year": "2022",
            "is_global": "yes",
            "beneficiary_countries_iso2": "",
        },
    )
    record = run_import(dry_run(data, by=admin_user), by=admin_user)
    assert record.status == R.IMPORTED, record.error

    completed = Pledge.objects.get(legacy_ids__old_id="1")
    assert completed.status == Pledge.Status.COMPLETED
    assert completed.published_at == dt.datetime(2021, 3, 4, 8, 30, tzinfo=dt.UTC)
    assert completed.public_id.startswith("P2C-2021-")
    assert (completed.start_date, completed.end_date) == (dt.date(2021, 3, 1), dt.date(2024, 12, 31))
    assert completed.value_amount == Decimal("1250000.50") and completed.value_currency_id == "EUR"
    assert completed.value_usd is not None and completed.usd_rate is not None
    assert set(completed.focus_areas.values_list("slug", flat=True)) == {"adoption", "access"}
    assert list(completed.transitions.order_by("id").values_list("from_status", "to_status")) == [
        ("published", "completed"),
        ("draft", "published"),
    ] or list(completed.transitions.order_by("at", "id").values_list("from_status", "to_status")) == [
        ("draft", "published"),
        ("published", "completed"),
    ]
    withdrawn = Pledge.objects.get(legacy_ids__old_id="2")
    assert withdrawn.status == Pledge.Status.WITHDRAWN and withdrawn.is_global
    assert withdrawn.published_at == dt.datetime(
        2022, 1, 1, tzinfo=dt.UTC
    )  # demo rule: 1 January of the start


def test_an_imported_pledge_is_the_same_as_one_loaded_by_the_pledges_service(admin_user):
    """The bulk writer gives a pledge what ``pledge_load_published`` gives it (guard against drift)."""
    lead = OrganisationFactory(name="Kalomi Telecom", country=Country.objects.get(iso2="KE"))
    partner = OrganisationFactory(name="Partner Agency", country=Country.objects.get(iso2="KE"))
    published_at = dt.datetime(2023, 5, 30, tzinfo=dt.UTC)
    loaded = published_pledge(
        lead,
        title="Loaded by the service",
        countries=("KE", "UG"),
        focus_areas=("access",),
        pledge_types=("financial",),
        value="1500000",
        currency="EUR",
        published_at=published_at,
        partners=[partner],
    )
    Pledge.objects.filter(pk=loaded.pk).update(start_date=dt.date(2023, 1, 1), end_date=dt.date(2026, 12, 31))
    loaded.refresh_from_db()
    data = registry_csv(
        {
            "old_platform_id": "9",
            "title": "Imported by the registry",
            "summary": "A summary.",
            "value_currency": "EUR",
            "beneficiary_countries_iso2": "KE;UG",
            "partner_entities": "Partner Agency",
            "published_at": "2023-05-30",
        }
    )
    # the service computed the USD value with the start date of published_pledge (2024-01-01); align the dates
    run_import(dry_run(data, by=admin_user), by=admin_user)
    imported = Pledge.objects.get(legacy_ids__old_id="9")
    loaded = Pledge.objects.get(pk=loaded.pk)

    compared = [
        "lead_organisation_id",
        "status",
        "published_at",
        "submitted_at",
        "is_global",
        "value_amount",
        "value_currency_id",
        "focal_point_id",
        "created_by_id",
    ]
    assert {f: getattr(imported, f) for f in compared} == {f: getattr(loaded, f) for f in compared}
    for name in ("focus_areas", "pledge_types", "beneficiary_countries"):
        assert set(getattr(imported, name).all()) == set(getattr(loaded, name).all()), name
    assert [(p.organisation_id, p.status) for p in imported.partners.all()] == [
        (p.organisation_id, p.status) for p in loaded.partners.all()
    ]
    assert list(imported.transitions.values_list("from_status", "to_status", "by")) == [
        ("draft", "published", None)
    ]
    assert imported.history.count() == 1
    assert search_fields_for(imported) == {
        k: getattr(imported, k)
        for k in ("search_title", "search_summary", "search_organisations", "search_body")
    }
    assert imported.public_id.startswith("P2C-2023-") and imported.public_id != loaded.public_id


def test_search_fields_of_updated_pledges_match_the_search_module(admin_user):
    data = registry_csv({"old_platform_id": "1"})
    run_import(dry_run(data, by=admin_user), by=admin_user)
    OrganisationFactory(name="Later Partner", country=Country.objects.get(iso2="KE"))
    data = registry_csv(
        {
            "old_platform_id": "1",
            "title": "Renamed",
            "partner_entities": "Later Partner",
            "beneficiary_countries_iso2": "UG",
        }
    )
    record = run_import(dry_run(data, by=admin_user), by=admin_user)
    assert record.update_count == 1
    pledge = Pledge.objects.get()
    assert pledge.title == "Renamed"
    assert search_fields_for(pledge) == {
        k: getattr(pledge, k)
        for k in ("search_title", "search_summary", "search_organisations", "search_body")
    }
    assert pledge.history.first().history_change_reason == "registry import"


def test_organisations_are_matched_by_the_duplicate_rules_and_country(admin_user):
    kenya, uganda = Country.objects.get(iso2="KE"), Country.objects.get(iso2="UG")
    itu = OrganisationFactory(name="International Telecommunication Union (ITU)", country=None)
    kalomi = OrganisationFactory(name="Kalomi Telecom Ltd.", country=kenya)
    other_country = OrganisationFactory(name="Savana Networks", country=uganda)
    data = registry_csv(
        {
            "old_platform_id": "1",
            "pledging_entity": "ITU",
            "entity_country_iso2": "",
            "entity_type": "UN entity",
        },
        {"old_platform_id": "2", "pledging_entity": "kalomi telecom ltd", "entity_country_iso2": "Kenya"},
        {"old_platform_id": "3", "pledging_entity": "Savana Networks", "entity_country_iso2": "KE"},
    )
    record = dry_run(data, by=admin_user)
    labels = {r["line"]: r["organisation"] for r in record.report}
    assert labels[2] == "International Telecommunication Union (ITU) (on the platform: same acronym)"
    assert labels[3] == "Kalomi Telecom Ltd. (on the platform: same name)"
    assert labels[4] == "Savana Networks (new organisation, verified)"  # same name, another country
    run_import(record, by=admin_user)
    assert Pledge.objects.get(legacy_ids__old_id="1").lead_organisation == itu
    assert Pledge.objects.get(legacy_ids__old_id="2").lead_organisation == kalomi
    assert Pledge.objects.get(legacy_ids__old_id="3").lead_organisation != other_country


@pytest.mark.parametrize(
    "existing,typed",
    [
        ("Ministry of ICT", "Ministry of I.C.T."),
        ("International Telecommunication Union (ITU)", "ITU"),
        ("World Health Organisation", "World Health Organization"),
        ("GSMA Foundation", "Ministère de l'Économie numérique"),
    ],
)
def test_the_in_memory_matcher_agrees_with_the_organisations_duplicate_rules(existing, typed):
    org = OrganisationFactory(name=existing, country=None)
    expected = [o.pk for o in similar_organisations(typed)]
    match = OrganisationIndex().match(typed, country_id=None)
    assert ([match.pk] if match else []) == expected[:1]
    assert (match is not None) == (org.pk in expected)


def test_a_failure_during_the_import_leaves_nothing_behind(admin_user, monkeypatch):
    data = registry_csv({"old_platform_id": "1"}, {"old_platform_id": "2", "title": "Two"})
    record = dry_run(data, by=admin_user)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "_write_legacy_ids", broken)
    record = run_import(record, by=admin_user)
    assert record.status == R.FAILED
    assert "nothing was written" in record.error and "disk full" in record.error
    assert (
        Pledge.objects.count() == 0
        and Organisation.objects.count() == 0
        and not LegacyPledge.objects.exists()
    )


def test_rows_refused_at_import_time_stop_the_whole_import(admin_user):
    data = registry_csv(
        {"old_platform_id": "1"}, {"old_platform_id": "2", "title": "Two", "pillars": "Affordability"}
    )
    record = dry_run(data, by=admin_user)
    assert record.status == R.CHECKED
    from reference.models import Pillar

    Pillar.objects.filter(name="Affordability").delete()  # the Secretariat removed it since the dry run
    record = run_import(record, by=admin_user)
    assert record.status == R.FAILED and "refused now" in record.error
    assert Pledge.objects.count() == 0


def test_old_ids_and_old_addresses_redirect_to_the_pledge_page(client, admin_user):
    data = registry_csv({"old_platform_id": "A-17", "old_url": "https://old.example.org/pledge.php?id=17"})
    run_import(dry_run(data, by=admin_user), by=admin_user)
    pledge = Pledge.objects.get()

    response = client.get(reverse("secretariat:legacy_pledge", kwargs={"old_id": "A-17"}))
    assert response.status_code == 301 and response["Location"] == pledge.get_absolute_url()
    response = client.get("/pledge.php?id=17")
    assert response.status_code == 301 and response["Location"] == pledge.get_absolute_url()
    assert client.get(reverse("secretariat:legacy_pledge", kwargs={"old_id": "nope"})).status_code == 404
    assert client.get("/pledge.php?id=18").status_code == 404


def test_an_old_id_of_a_pledge_the_visitor_may_not_see_is_not_found(client, admin_user):
    data = registry_csv({"old_platform_id": "W-1", "old_url": "https://old.example.org/p/1"})
    run_import(dry_run(data, by=admin_user), by=admin_user)
    Pledge.objects.update(status=Pledge.Status.REJECTED)
    assert client.get(reverse("secretariat:legacy_pledge", kwargs={"old_id": "W-1"})).status_code == 404
    assert client.get("/p/1").status_code == 404


def test_the_import_keeps_reference_data_as_data(admin_user):
    """Names are looked up in the reference tables: a renamed pledge type is found under its new name."""
    PledgeType.objects.filter(name="Financial").update(name="Funding")
    record = dry_run(registry_csv({"pledge_type": "Funding"}), by=admin_user)
    assert record.status == R.CHECKED, reasons(record)
    assert StakeholderType.objects.filter(name="Private sector").exists()
    assert FocusArea.objects.filter(name="Access").exists()


def test_the_import_is_timed_and_marks_the_record(admin_user):
    record = run_import(dry_run(registry_csv({}), by=admin_user), by=admin_user)
    assert record.imported_at <= timezone.now() and record.duration_seconds is not None
    assert record.report[0]["public_id"] == Pledge.objects.get().public_id
