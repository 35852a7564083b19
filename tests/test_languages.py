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
