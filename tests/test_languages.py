"""Languages: URL prefixes for the non-default languages, unprefixed URLs in the chosen language, RTL."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("prefix", "lang", "direction"),
    [
        ("", "en", "ltr"),
        ("/ar", "ar", "rtl"),
        ("/fr", "fr", "ltr"),
        ("/zh-hans", "zh-hans", "ltr"),
        ("/ru", "ru", "ltr"),
        ("/es", "es", "ltr"),
    ],
)
def test_prefixed_urls_answer_in_their_language(client, prefix, lang, direction):
    response = client.get(f"{prefix}/pledges/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}" dir="{direction}">' in html
    if direction == "rtl":
        assert "bootstrap.rtl.min.css" in html


def test_unprefixed_urls_answer_200_in_the_chosen_language(client):
    client.cookies["django_language"] = "ar"
    response = client.get("/pledges/")
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in response.content.decode()
    response = client.get("/pledges/", headers={"Accept-Language": "fr"})
    assert response.status_code == 200


def test_the_browser_language_is_used_without_a_choice(client):
    response = client.get("/pledges/", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert '<html lang="es"' in response.content.decode()


def test_the_language_switcher_remembers_the_choice(client):
    response = client.post(reverse("set_language"), {"language": "ru", "next": "/pledges/"})
    assert response.status_code == 302
    assert client.cookies["django_language"].value == "ru"
    assert '<html lang="ru"' in client.get("/pledges/").content.decode()


def test_reference_names_and_country_names_follow_the_language(client):
    from tests.factories import published_pledge

    pledge = published_pledge(title="Connect schools", countries=("TR",), focus_areas=("access",))
    path = f"/pledges/{pledge.public_id}/"
    html = client.get(f"/ar{path}").content.decode()
    assert "الوصول" in html  # the focus area Access, from the Secretariat's per-language names
    assert "تركيا" in html  # Türkiye, from CLDR
    html = client.get(f"/zh-hans{path}").content.decode()
    assert "接入" in html and "土耳其" in html
    assert "Connect schools" in client.get(f"/fr{path}").content.decode()  # typed text stays


def test_searching_a_country_in_another_language_finds_it(client):
    from tests.factories import published_pledge

    pledge = published_pledge(title="Schools", countries=("CI",))
    for query in ("Côte d’Ivoire", "ساحل العاج", "科特迪瓦", "Кот-д’Ивуар"):
        response = client.get("/pledges/", {"q": query})
        assert [p.public_id for p in response.context["page"].object_list] == [pledge.public_id], query


@pytest.mark.parametrize(
    ("prefix", "language", "cldr"),
    [
        ("", "en", "en_GB"),
        ("/ar", "ar", "ar"),
        ("/fr", "fr", "fr"),
        ("/zh-hans", "zh-hans", "zh_Hans"),
        ("/ru", "ru", "ru"),
        ("/es", "es", "es"),
    ],
)
def test_dates_numbers_and_money_on_a_pledge_page_are_babels(client, prefix, language, cldr):
    """The pledge page's dates, value and deliverable target are exactly what babel (CLDR) gives for the
    language: nothing is formatted by hand."""
    import datetime as dt
    from decimal import Decimal

    from babel.dates import format_date
    from babel.numbers import format_currency, format_decimal

    from tests.factories import published_pledge

    pledge = published_pledge(title="Backbone for Malawi", value="1234567.5")
    pledge.start_date, pledge.end_date = dt.date(2025, 3, 1), dt.date(2027, 12, 31)
    pledge.save(update_fields=["start_date", "end_date"])
    pledge.deliverables.create(
        title="Towers", due_date=dt.date(2026, 6, 30), target_value=Decimal("12500.5"), unit="towers"
    )
    html = client.get(f"{prefix}/pledges/{pledge.public_id}/").content.decode()
    babel_locale = "en" if language == "en" else cldr  # money and numbers: the language's own CLDR locale
    for expected in (
        format_date(dt.date(2025, 3, 1), "long", locale=cldr),
        format_date(dt.date(2027, 12, 31), "long", locale=cldr),
        format_date(dt.date(2026, 6, 30), "long", locale=cldr),
        format_decimal(Decimal("12500.5"), locale=babel_locale),
        format_currency(Decimal("1234567.5"), "USD", locale=babel_locale),
    ):
        assert expected in html, f"{expected!r} not on the {language} page"


def test_text_typed_by_an_organisation_is_marked_with_its_own_language(client):
    """A pledge written in French keeps its text in every interface language; the page marks it lang="fr" where
    the interface is another language; dir="auto" runs an Arabic text right to left in a left-to-right page."""
    from tests.factories import published_pledge

    french = published_pledge(title="Écoles connectées au Sénégal")
    french.language = "fr"
    french.save(update_fields=["language"])
    html = client.get(f"/pledges/{french.public_id}/").content.decode()
    assert '<h1 dir="auto" lang="fr">Écoles connectées au Sénégal</h1>' in html
    html = client.get(f"/fr/pledges/{french.public_id}/").content.decode()
    assert '<h1 dir="auto">Écoles connectées au Sénégal</h1>' in html  # same language as the page

    arabic = published_pledge(title="ربط المدارس الريفية")
    arabic.language = "ar"
    arabic.save(update_fields=["language"])
    html = client.get(f"/es/pledges/{arabic.public_id}/").content.decode()
    assert '<h1 dir="auto" lang="ar">ربط المدارس الريفية</h1>' in html  # dir="auto": right to left
    listing = client.get("/pledges/").content.decode()
    assert '<h3 class="card-title" dir="auto" lang="fr">' in listing


def test_a_new_pledge_is_presumed_written_in_the_interface_language(client):
    from organisations.models import Membership
    from tests.factories import OrganisationFactory, member

    organisation = OrganisationFactory()
    client.force_login(member(organisation, Membership.Role.OWNER))
    html = client.get("/ru/my/pledges/new/").content.decode()
    assert '<option value="ru" selected>' in html


def test_country_and_region_filters_are_named_in_the_interface_language(client):
    from tests.factories import published_pledge

    published_pledge(title="Chad backbone", countries=("TD",))
    french = client.get("/fr/pledges/").content.decode()
    assert ">Tchad (1)</option>" in french and ">Afrique (1)</option>" in french
    english = client.get("/pledges/").content.decode()
    assert ">Chad (1)</option>" in english and ">Africa (1)</option>" in english


def test_dashboard_group_names_and_shares_follow_the_language(client):
    from tests.factories import published_pledge

    published_pledge(title="Malawi fibre", countries=("MW",), focus_areas=("access",), value="1000")
    french = client.get("/fr/dashboard/").content.decode()
    assert "LDC —" not in french and "PMA —" in french
    assert "100,0\u00a0%" in french or "100,0\u202f%" in french  # CLDR's French percent, not "100.0%"
    english = client.get("/dashboard/").content.decode()
    assert "LDC —" in english and "100.0%" in english
