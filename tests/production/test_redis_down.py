"""With Redis down (cache, rate limits and broker on a port where nothing listens) pages keep working, people can
log in while allauth's rate limits go on from local memory, and a progress report is saved: no 500, no 429."""

import pytest
from django.urls import reverse

from benchmarks.load.htmlforms import form_with
from organisations.models import Membership
from progress.models import ProgressReport

from ..factories import OrganisationFactory, UserFactory, member, published_pledge

pytestmark = pytest.mark.django_db


def test_public_pages_answer_200(client, redis_down):
    pledge = published_pledge(title="Fibre for district clinics")

    for url in [reverse("home"), reverse("pledges:marketplace") + "?q=fibre", pledge.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert (
        "Fibre for district clinics"
        in client.get(reverse("pledges:marketplace") + "?q=fibre").content.decode()
    )


def test_people_can_log_in_and_wrong_passwords_are_form_errors(client, redis_down):
    # allauth's rate limits lock with cache.add; with django-redis ignoring errors alone that lock is never
    # taken and every login is refused with a 429 (p2c/cache.py).
    user = UserFactory(email="pledger@example.org")
    url = reverse("account_login")

    wrong = client.post(url, {"login": user.email, "password": "not-the-password"})
    right = client.post(url, {"login": user.email, "password": "correct-horse-battery"})

    assert wrong.status_code == 200 and "password" in wrong.content.decode().lower()
    assert right.status_code == 302
    assert client.get(reverse("pledges:workspace")).status_code == 200


def test_rate_limits_still_stop_password_guessing_in_each_process(client, redis_down, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/5m/key"}
    user = UserFactory(email="target@example.org")

    responses = [
        client.post(reverse("account_login"), {"login": user.email, "password": f"guess-{n}"})
        for n in range(4)
    ]

    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    assert ["Too many failed login attempts" in r.content.decode() for r in responses] == [False] * 3 + [True]


def test_progress_report_is_saved(client, redis_down):
    organisation = OrganisationFactory()
    pledge = published_pledge(organisation)
    client.force_login(member(organisation, Membership.Role.OWNER))
    url = reverse("progress:create", kwargs={"public_id": pledge.public_id})
    form = form_with(client.get(url).content.decode(), "narrative")
    data = dict(form.data())
    data.update(
        implementation_status="on_track",
        percent_complete="40",
        narrative="120 of 300 schools connected.",
        action="save",
    )

    response = client.post(url, data)

    assert response.status_code == 302
    report = ProgressReport.objects.get(pledge=pledge)
    assert (report.percent_complete, report.narrative) == (40, "120 of 300 schools connected.")
