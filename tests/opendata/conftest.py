"""Fixtures of the open data tests: a small public dataset with a joint pledge, and what must never leak."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from organisations.models import Organisation
from pledges.models import Pledge, PledgePartner
from progress.models import ProgressReport
from reference.models import Country, StakeholderType

from ..factories import OrganisationFactory, PledgeFactory, UserFactory, published_pledge


def progress_report(**fields) -> ProgressReport:
    """A public progress report: published, where progress reports have a review status."""
    if any(f.name == "status" for f in ProgressReport._meta.fields):
        fields.setdefault("status", "published")
        fields.setdefault("published_at", timezone.now())
    return ProgressReport.objects.create(**fields)


@pytest.fixture
def public_data(db):
    """Three published pledges (one joint with a confirmed, a declined and an invited-by-email partner), a draft,
    a withdrawn pledge, an unverified organisation, and progress reports on public and non-public pledges."""
    now = timezone.now()
    lead = OrganisationFactory(name="Ministry of ICT Malawi", slug="ministry-ict-malawi")
    partner = OrganisationFactory(
        name="Connect Foundation",
        slug="connect-foundation",
        stakeholder_type=StakeholderType.objects.get(slug="private-sector"),
        country=Country.objects.get(iso2="KE"),
    )
    declined = OrganisationFactory(name="Declining Org", slug="declining-org")
    unverified = OrganisationFactory(
        name="Pending Org", slug="pending-org", verification=Organisation.Verification.PENDING
    )
    joint = published_pledge(
        lead,
        title="Schools online",
        countries=("MW", "KE", "FJ"),
        focus_areas=("access", "adoption"),
        pledge_types=("financial",),
        value="1000000",
        currency="EUR",
        published_at=now - dt.timedelta(days=30),
        partners=[partner, declined],
    )
    PledgePartner.objects.filter(pledge=joint, organisation=declined).update(
        status=PledgePartner.Status.DECLINED
    )
    PledgePartner.objects.filter(pledge=joint, organisation=partner).update(
        role="funding", share_percent=Decimal("25")
    )
    PledgePartner.objects.create(
        pledge=joint,
        invited_name="Secret Partner Ltd",
        invited_email="secret@partner.example",
        status="confirmed",
    )
    joint.focal_point = UserFactory(email="focal.point@example.org")
    joint.description = '=HYPERLINK("http://evil.example")'
    joint.save()
    joint.deliverables.create(
        title="500 schools", indicator="schools online", target_value=Decimal("500"), unit="schools"
    )
    single = published_pledge(
        partner,
        title="Coding clubs",
        countries=("KE",),
        focus_areas=("adoption",),
        pledge_types=("programmatic",),
        value="50000",
        currency="USD",
        published_at=now - dt.timedelta(days=10),
    )
    global_pledge = published_pledge(
        lead,
        title="Global policy",
        countries=(),
        pledge_types=("policy",),
        published_at=now - dt.timedelta(days=5),
    )
    Pledge.objects.filter(pk=global_pledge.pk).update(is_global=True)
    draft = PledgeFactory(lead_organisation=unverified, title="Draft pledge")
    withdrawn = published_pledge(lead, title="Withdrawn pledge", published_at=now - dt.timedelta(days=3))
    Pledge.objects.filter(pk=withdrawn.pk).update(status=Pledge.Status.WITHDRAWN)
    report = progress_report(
        pledge=joint,
        implementation_status="on_track",
        percent_complete=40,
        narrative="+40% schools connected",
    )
    hidden_report = progress_report(
        pledge=withdrawn,
        implementation_status="delayed",
        percent_complete=5,
        narrative="Withdrawn pledge report",
    )
    return {
        "joint": joint,
        "single": single,
        "global": global_pledge,
        "draft": draft,
        "withdrawn": withdrawn,
        "lead": lead,
        "partner": partner,
        "declined": declined,
        "unverified": unverified,
        "report": report,
        "hidden_report": hidden_report,
    }


# Strings that belong to people or to private rows: none may appear in any open data output.
PRIVATE_STRINGS = (
    "@example.org",
    "secret@partner.example",
    "Secret Partner Ltd",
    "focal.point",
    "invited_email",
    "token",
)
