"""The deliverable rows of the progress report form: a repeated deliverable, or one of another pledge, is an error
shown with what was typed, never a database error (UNIQUE report, deliverable) and a 500."""

import pytest
from django.urls import reverse

from progress import services
from progress.forms import DeliverableProgressFormSet
from progress.models import DeliverableProgress

from .helpers import content, reporting_pledge

pytestmark = pytest.mark.django_db


def _post(pledge, **rows):
    """The report form's fields with the deliverable rows ``rows`` ({"0": (deliverable id, actual value), ...})."""
    data = {
        "implementation_status": "on_track",
        "percent_complete": "35",
        "narrative": "Fibre reached 40 schools, typed before the error.",
        "evidence_visibility": "public",
        "disbursed_currency": "USD",
        "action": "save",
        "deliverables-TOTAL_FORMS": str(len(rows)),
        "deliverables-INITIAL_FORMS": str(pledge.deliverables.count()),
    }
    for index, (deliverable_id, value) in rows.items():
        data[f"deliverables-{index}-deliverable_id"] = str(deliverable_id)
        data[f"deliverables-{index}-status"] = "on_track"
        data[f"deliverables-{index}-actual_value"] = value
    return data


@pytest.fixture
def draft():
    pledge, users = reporting_pledge()
    report = services.progress_report_save(pledge=pledge, by=users["reporter"], content=content(pledge))
    return pledge, users, report


def _figures(report):
    return sorted(
        DeliverableProgress.objects.filter(report=report).values_list("deliverable_id", "actual_value")
    )


def test_a_repeated_deliverable_is_an_error_and_what_was_typed_is_kept(client, draft):
    pledge, users, report = draft
    first, second = pledge.deliverables.all()
    before = _figures(report)
    client.force_login(users["reporter"])

    response = client.post(
        reverse("progress:edit", args=[report.pk]),
        _post(pledge, **{"0": (first.pk, "21"), "1": (second.pk, "22"), "2": (first.pk, "23")}),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "A deliverable is listed twice in the form" in html
    assert "Fibre reached 40 schools, typed before the error." in html
    assert 'value="21"' in html and 'value="22"' in html
    assert _figures(report) == before


def test_a_deliverable_of_another_pledge_is_an_error(client, draft):
    pledge, users, report = draft
    other_pledge, _other_users = reporting_pledge()
    foreign = other_pledge.deliverables.first()
    first, second = pledge.deliverables.all()
    before = _figures(report)
    client.force_login(users["reporter"])

    response = client.post(
        reverse("progress:edit", args=[report.pk]),
        _post(pledge, **{"0": (first.pk, "21"), "1": (foreign.pk, "22")}),
    )

    assert response.status_code == 200
    assert "not one of this pledge" in response.content.decode()
    assert _figures(report) == before
    assert not DeliverableProgress.objects.filter(deliverable=foreign).exists()


def test_the_formset_checks_the_rows_against_the_pledges_deliverables(draft):
    pledge, _users, _report = draft
    first, second = pledge.deliverables.all()
    initial = [{"deliverable_id": first.pk}, {"deliverable_id": second.pk}]

    def formset(*ids, **kwargs):
        data = {"deliverables-TOTAL_FORMS": str(len(ids)), "deliverables-INITIAL_FORMS": "2"}
        data.update({f"deliverables-{i}-deliverable_id": str(pk) for i, pk in enumerate(ids)})
        return DeliverableProgressFormSet(data, prefix="deliverables", initial=initial, **kwargs)

    assert formset(first.pk, second.pk).is_valid()
    assert formset(second.pk, first.pk).is_valid()
    repeated = formset(first.pk, second.pk, first.pk)
    assert not repeated.is_valid() and repeated.non_form_errors().as_data()[0].code == "repeated_deliverable"
    foreign = formset(first.pk, second.pk + 1000)
    assert not foreign.is_valid() and foreign.non_form_errors().as_data()[0].code == "foreign_deliverable"
    assert not formset(first.pk, deliverable_ids=[second.pk]).is_valid()
