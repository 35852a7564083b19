"""The marketplace: search, facets, country and focus-area pages, feeds, partnerships and matchmaking."""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from organisations.models import Membership
from pledges import partnering
from pledges.models import PartnershipRequest, ProblemReport
from reference.models import PartnershipNeed

from ..factories import OrganisationFactory, member, published_pledge

pytestmark = pytest.mark.django_db


def _ids(client, **params):
    response = client.get(reverse("pledges:marketplace"), params)
    assert response.status_code == 200
    return [p.public_id for p in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("query", "country"),
    [
        ("Turkey", "TR"),
        ("Türkiye", "TR"),
        ("turkiye", "TR"),
        ("Swaziland", "SZ"),
        ("Eswatini", "SZ"),
        ("Ivory Coast", "CI"),
        ("Côte d'Ivoire", "CI"),
        ("cote divoire", None),
        ("CIV", "CI"),
        ("Sénégal", "SN"),
        ("SENEGAL", "SN"),
        ("DR Congo", "CD"),
        ("Laos", "LA"),
    ],
)
def test_country_names_in_any_common_form_find_the_country(client, query, country):
    pledges = {
        iso: published_pledge(title=f"Pledge in {iso}", countries=(iso,))
        for iso in ("TR", "SZ", "CI", "SN", "CD", "LA")
    }
    found = _ids(client, q=query)
    if country is None:
        assert found == []
    else:
        assert found == [pledges[country].public_id]


def test_a_short_term_is_a_whole_word_so_an_iso_code_finds_its_country_only(client):
    turkey = published_pledge(title="Backbone for Anatolia", countries=("TR",))
    trained = published_pledge(title="10,000 teachers trained in digital skills", countries=("MW",))
    ai = published_pledge(title="AI skills for youth", countries=("MW",))
    published_pledge(title="Rural broadband for Kenya", countries=("KE",))
    assert _ids(client, q="TR") == [turkey.public_id]  # not "trained", "rural", "country"
    assert _ids(client, q="tra") == []  # three letters: a word of its own, and there is none
    assert _ids(client, q="train") == [trained.public_id]  # longer terms match inside words
    assert _ids(client, q="AI") == [ai.public_id]  # not "Kenya" (no "ai"), not "trained"


def test_search_is_accent_and_case_insensitive_and_ranks_title_first(client):
    in_summary = published_pledge(title="Rural broadband")
    in_summary.summary = "Écoles numériques au Sénégal"
    in_summary.save()
    from pledges.search import refresh_search_fields

    refresh_search_fields(in_summary)
    in_title = published_pledge(title="ÉCOLES numériques pour tous")
    assert _ids(client, q="ecoles numeriques") == [in_title.public_id, in_summary.public_id]
    assert _ids(client, q="écoles", sort="newest")[0] == in_title.public_id


def test_chinese_search_without_word_breaks(client):
    pledge = published_pledge(title="为农村学校提供宽带连接")
    published_pledge(title="Other")
    assert _ids(client, q="农村学校") == [pledge.public_id]


def test_organisation_names_are_searched(client):
    org = OrganisationFactory(name="Internet Society")
    pledge = published_pledge(org, title="Community networks")
    assert _ids(client, q="internet society") == [pledge.public_id]


def test_facet_counts_follow_the_results(client):
    published_pledge(title="A", countries=("MW",), focus_areas=("access",))
    published_pledge(title="B", countries=("MW", "TO"), focus_areas=("access", "adoption"))
    published_pledge(title="C", countries=("TO",), focus_areas=("adoption",), pledge_types=("policy",))
    response = client.get(reverse("pledges:marketplace"), {"country": "MW"})
    facets = {
        f["name"]: {o["key"]: o["count"] for o in f["options"]} for f in response.context["facet_lists"]
    }
    assert facets["focus_area"] == {"access": 2, "adoption": 1}
    groups = {o["key"]: o["count"] for o in response.context["selects"]["group"]}
    assert groups["LDC"] == 2  # Malawi


def test_seeking_partners_filter_and_need(client):
    pledge = published_pledge(title="Needs funding")
    pledge.seeking_partners = True
    pledge.save()
    pledge.partnership_needs.set(PartnershipNeed.objects.filter(slug="funding"))
    published_pledge(title="Not seeking")
    assert _ids(client, seeking="true") == [pledge.public_id]
    assert _ids(client, need="funding") == [pledge.public_id]


def test_sort_is_an_allowlist(client):
    published_pledge()
    response = client.get(reverse("pledges:marketplace"), {"sort": "lead_organisation__name"})
    assert response.status_code == 200 and response.context["sort"] == "newest"


def test_htmx_requests_get_only_the_results(client):
    published_pledge()
    response = client.get(reverse("pledges:marketplace"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<h1" not in html and "results-heading" in html


def test_country_and_focus_area_pages(client):
    pledge = published_pledge(title="Malawi schools", countries=("MW",), focus_areas=("access",))
    html = client.get(reverse("pledges:country", args=["mw"])).content.decode()
    assert "Who pledges what in Malawi" in html and "Malawi schools" in html and ">LDC<" in html
    assert "No published pledge in Adoption yet" in html
    assert client.get(reverse("pledges:country", args=["QQ"])).status_code == 404
    assert "Malawi schools" in client.get(reverse("pledges:focus_area", args=["access"])).content.decode()
    assert client.get(reverse("pledges:pillar", args=["access", "skills"])).status_code == 404  # wrong area
    assert client.get(reverse("pledges:pillar", args=["access", "infrastructure"])).status_code == 200
    assert pledge.public_id  # used


def test_feeds_and_sitemap(client):
    pledge = published_pledge(title="Feed me", countries=("MW",), focus_areas=("access",))
    for url in (
        reverse("pledges:feed"),
        reverse("pledges:country_feed", args=["MW"]),
        reverse("pledges:focus_area_feed", args=["access"]),
    ):
        response = client.get(url)
        assert response.status_code == 200 and "Feed me" in response.content.decode()
        assert response["Content-Type"].startswith("application/atom+xml")
    sitemap = client.get("/sitemap.xml").content.decode()
    assert pledge.get_absolute_url() in sitemap and "/countries/MW/" in sitemap


def test_pledge_page_has_canonical_and_open_graph_tags(client):
    pledge = published_pledge(title="OG pledge")
    html = client.get(pledge.get_absolute_url()).content.decode()
    assert f'<link rel="canonical" href="{settings.SITE_URL}{pledge.get_absolute_url()}">' in html
    # The configured address, never the Host header of whoever filled the page cache.
    other = client.get(pledge.get_absolute_url(), HTTP_HOST="localhost").content.decode()
    assert f'<link rel="canonical" href="{settings.SITE_URL}{pledge.get_absolute_url()}">' in other
    assert '<meta property="og:title" content="OG pledge">' in html


class TestExpressInterest:
    def _setup(self):
        lead_org = OrganisationFactory(name="Lead Org")
        lead = member(lead_org, Membership.Role.EDITOR, email="lead@lead.example")
        pledge = published_pledge(lead_org, title="Rural clinics")
        other_org = OrganisationFactory(name="Funder Org")
        sender = member(other_org, Membership.Role.VIEWER, email="sender@funder.example")
        return pledge, lead, other_org, sender

    def test_message_reply_and_contact_sharing(self, client, django_capture_on_commit_callbacks):
        pledge, lead, other_org, sender = self._setup()
        client.force_login(sender)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("pledges:interest", args=[pledge.public_id]),
                {"organisation": other_org.slug, "message": "We fund clinics."},
            )
        assert response.status_code == 302
        received = [m for m in mail.outbox if "lead@lead.example" in m.to]
        assert received and "We fund clinics." in received[0].body
        assert "sender@funder.example" not in received[0].body  # no address before the reply
        req = PartnershipRequest.objects.get()
        client.force_login(lead)
        inbox = client.get(reverse("pledges:inbox")).content.decode()
        assert "We fund clinics." in inbox and "sender@funder.example" not in inbox
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("pledges:inbox_reply", args=[req.pk]), {"reply": "Let's talk.", "accept": "yes"}
            )
        to_sender = [m for m in mail.outbox if "sender@funder.example" in m.to]
        to_lead = [m for m in mail.outbox if "lead@lead.example" in m.to]
        assert "lead@lead.example" in to_sender[0].body and "sender@funder.example" in to_lead[0].body
        # The sender cannot answer its own message, nor a stranger the lead's inbox.
        client.force_login(sender)
        assert client.post(reverse("pledges:inbox_reply", args=[req.pk]), {"reply": "x"}).status_code == 404

    def test_rate_limit_and_one_open_message_per_pledge(self, client):
        pledge, lead, other_org, sender = self._setup()
        client.force_login(sender)
        url = reverse("pledges:interest", args=[pledge.public_id])
        client.post(url, {"organisation": other_org.slug, "message": "First"})
        response = client.post(url, {"organisation": other_org.slug, "message": "Second"})
        assert "already has a message waiting" in response.content.decode()
        for i in range(partnering.INTEREST_LIMIT):
            extra = published_pledge(title=f"Extra {i}")
            response = client.post(
                reverse("pledges:interest", args=[extra.public_id]),
                {"organisation": other_org.slug, "message": "Hi"},
            )
        assert "many messages in the last hour" in response.content.decode()
        assert PartnershipRequest.objects.count() == partnering.INTEREST_LIMIT

    def test_abuse_report_reaches_staff(self, client):
        pledge, lead, other_org, sender = self._setup()
        req = partnering.partnership_request_send(
            pledge=pledge, from_organisation=other_org, by=sender, message="spam"
        )
        client.force_login(lead)
        client.post(reverse("pledges:inbox_abuse", args=[req.pk]))
        req.refresh_from_db()
        assert req.abuse_reported_at is not None

    def test_anonymous_is_sent_to_log_in(self, client):
        pledge, *_ = self._setup()
        response = client.get(reverse("pledges:interest", args=[pledge.public_id]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_problem_report_reaches_the_secretariat(client, staff_user, django_capture_on_commit_callbacks):
    pledge = published_pledge(title="Wrong figures")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pledges:report_problem", args=[pledge.public_id]),
            {"message": "The amount is wrong.", "email": "reader@example.org"},
        )
    assert response.status_code == 302
    assert ProblemReport.objects.get().message == "The amount is wrong."
    assert any(staff_user.email in m.to and "The amount is wrong." in m.body for m in mail.outbox)


def test_matchmaking_pairs_a_funder_with_a_pledge_seeking_funding(client):
    seeker = published_pledge(
        title="Clinics need funding",
        countries=("MW",),
        focus_areas=("access",),
        pledge_types=("programmatic",),
    )
    seeker.seeking_partners = True
    seeker.save()
    seeker.partnership_needs.set(PartnershipNeed.objects.filter(slug="funding"))
    funder = published_pledge(
        title="Access fund", countries=("MW",), focus_areas=("access",), pledge_types=("financial",)
    )
    published_pledge(title="Unrelated", countries=("TO",), focus_areas=("adoption",))
    found = partnering.potential_partners(seeker)
    assert [r["pledge"].public_id for r in found] == [funder.public_id]
    assert any("Financial" in str(reason) for reason in found[0]["reasons"])
    back = partnering.potential_partners(funder)
    assert back and back[0]["pledge"] == seeker and any("seeks" in str(r) for r in back[0]["reasons"])
    html = client.get(seeker.get_absolute_url()).content.decode()
    assert "Potential partners" in html and "Access fund" in html


def test_dashboard_shows_figures_charts_tables_and_gaps(client):
    published_pledge(title="Malawi access", countries=("MW",), focus_areas=("access",), value="1000")
    response = client.get(reverse("dashboard"))
    html = response.content.decode()
    assert "<svg" in html and "<table" in html
    assert "Pledges by focus area" in html
    assert "Malawi" in html  # country grid and the gap in the other focus areas
    gaps = {row["iso2"]: row for row in response.context["gaps"]["LDC"]}
    assert "MW" in gaps and "Access" not in gaps["MW"]["missing"] and "Adoption" in gaps["MW"]["missing"]
    assert "NP" in gaps or "TD" in gaps  # LDCs with no pledge at all
    # Names in the page's language, whichever language computed the cached figures first.
    french = client.get("/fr" + reverse("dashboard")).content.decode()
    assert "Accès" in french and "Non précisé" not in html
    assert "_not_stated" not in html and "_not_stated" not in french
