"""Internal notes on organisations, pledges and progress reports: staff only, with author and time."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from secretariat.models import InternalNote
from secretariat.roles import ANALYST, MODERATOR
from tests.factories import OrganisationFactory, UserFactory, published_pledge

pytestmark = pytest.mark.django_db
PREFIX = "secretariat-internalnote-content_type-object_id"


def _staff(role):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def test_a_moderator_adds_a_note_to_an_organisation_and_it_records_the_author(client):
    organisation = OrganisationFactory(name="Noted Organisation")
    moderator = _staff(MODERATOR)
    client.force_login(moderator)
    url = f"/admin/organisations/organisation/{organisation.pk}/change/"
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and "internal notes (staff only)" in html.lower()

    from django.forms.models import model_to_dict

    data = {k: v for k, v in model_to_dict(organisation).items() if v is not None and k not in ("logo",)}
    data["stakeholder_type"] = organisation.stakeholder_type_id
    data["country"] = organisation.country_id
    data.update(
        {
            f"{PREFIX}-TOTAL_FORMS": "1",
            f"{PREFIX}-INITIAL_FORMS": "0",
            f"{PREFIX}-0-text": "Called the ministry: the name is right.",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    note = InternalNote.objects.get()
    assert note.subject == organisation and note.author == moderator and note.created_at
    assert "Called the ministry" in client.get(url).content.decode()


def test_notes_show_read_only_and_an_analyst_cannot_add_one(client):
    pledge = published_pledge(title="Pledge with a note")
    InternalNote.objects.create(
        content_type=ContentType.objects.get_for_model(pledge),
        object_id=pledge.pk,
        text="Check the value.",
        author=UserFactory(is_staff=True),
    )
    client.force_login(_staff(ANALYST))
    html = client.get(f"/admin/pledges/pledge/{pledge.pk}/change/").content.decode()
    assert "Check the value." in html
    assert f'name="{PREFIX}-0-text"' not in html  # no form to write a note


def test_notes_appear_on_progress_reports_and_never_on_public_pages(client):
    from progress.models import ProgressReport

    pledge = published_pledge(title="Reported pledge")
    report = ProgressReport.objects.create(
        pledge=pledge,
        implementation_status="on_track",
        percent_complete=10,
        status="published",
        published_at=timezone.now(),
    )
    InternalNote.objects.create(
        content_type=ContentType.objects.get_for_model(report),
        object_id=report.pk,
        text="Secret staff remark",
    )
    InternalNote.objects.create(
        content_type=ContentType.objects.get_for_model(pledge),
        object_id=pledge.pk,
        text="Another staff remark",
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert (
        "Secret staff remark"
        in client.get(f"/admin/progress/progressreport/{report.pk}/change/").content.decode()
    )
    client.logout()
    public = client.get(pledge.get_absolute_url()).content.decode()
    assert "Secret staff remark" not in public and "Another staff remark" not in public
