"""``manage.py generate_pledges``: realistic published pledges for the load test, made with bulk inserts."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.urls import reverse

from pledges.models import Pledge
from pledges.services import pledge_public_id_next
from progress.models import ProgressReport

pytestmark = pytest.mark.django_db


def test_generated_pledges_are_published_complete_and_findable(client):
    call_command("generate_pledges", "--count", "120", "--seed", "7")

    pledges = Pledge.objects.published().annotate(
        n_focus=Count("focus_areas", distinct=True),
        n_types=Count("pledge_types", distinct=True),
        n_countries=Count("beneficiary_countries", distinct=True),
        n_partners=Count("partners", distinct=True),
    )
    assert pledges.count() == 120
    assert all(p.n_focus >= 1 and p.n_types >= 1 for p in pledges)
    assert all(p.is_global == (p.n_countries == 0) for p in pledges)
    assert 5 <= sum(1 for p in pledges if p.n_partners) <= 50  # about one in five is joint
    valued = [p for p in pledges.select_related("usd_rate") if p.value_amount is not None]
    assert 50 <= len(valued) <= 110
    for p in valued:
        expected = (p.value_amount * p.usd_rate.usd_per_unit).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        assert (p.value_usd, p.value_currency_id) == (expected, p.usd_rate.currency_id)
    assert ProgressReport.objects.filter(status=ProgressReport.Status.PUBLISHED).exists()
    assert len({p.public_id for p in pledges}) == 120

    pledge = pledges.filter(n_partners__gt=0).first()
    response = client.get(reverse("pledges:marketplace"), {"q": pledge.lead_organisation.name})
    assert response.status_code == 200 and pledge.public_id in response.content.decode()
    assert client.get(pledge.get_absolute_url()).status_code == 200


def test_public_id_sequence_continues_after_generated_pledges():
    call_command("generate_pledges", "--count", "30", "--seed", "3")
    latest = Pledge.objects.order_by("-published_at").first()
    year = latest.published_at.year
    numbers = [
        int(p.split("-")[2])
        for p in Pledge.objects.filter(public_id__startswith=f"P2C-{year}-").values_list(
            "public_id", flat=True
        )
    ]

    with transaction.atomic():
        assert pledge_public_id_next(year=year) == f"P2C-{year}-{max(numbers) + 1:04d}"


def test_count_must_be_positive():
    with pytest.raises(CommandError, match="--count"):
        call_command("generate_pledges", "--count", "0")
