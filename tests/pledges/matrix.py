"""Objects the permission matrix needs for the pledges and open data URLs, made once per ``World``."""

import hashlib

from pledges.models import PartnershipRequest, PledgePartner

CLAIM_TOKEN = "matrix-claim-token"


def partnership_request(w):
    """A message from the partner organisation to the lead's published pledge."""
    if not hasattr(w, "_partnership_request"):
        w._partnership_request = PartnershipRequest.objects.create(
            pledge=w.published, from_organisation=w.partner_org, sender=w.users["partner"], message="Hello"
        )
    return w._partnership_request


def claim_token(w):
    """The token of an email invitation to the lead's draft (only its hash is stored)."""
    if not hasattr(w, "_claim"):
        w._claim = PledgePartner.objects.create(
            pledge=w.draft,
            invited_name="Not Yet Registered",
            invited_email="someone@example.org",
            token_hash=hashlib.sha256(CLAIM_TOKEN.encode()).hexdigest(),
        )
    return CLAIM_TOKEN


def progress_report_pk(w):
    """A progress report on the lead's published pledge (published if the model has review statuses)."""
    from progress.models import ProgressReport

    if not hasattr(w, "_report"):
        fields = {f.name for f in ProgressReport._meta.fields}
        extra = {"status": "published"} if "status" in fields else {}
        w._report = ProgressReport.objects.create(
            pledge=w.published,
            implementation_status="on_track",
            percent_complete=10,
            narrative="Done",
            **extra,
        )
    return w._report.pk
