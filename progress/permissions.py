"""Permission rules for progress (django-rules): ``user.has_perm("progress.<rule>", obj)``.

Roles (``organisations``): owners, editors and reporters of a pledge's lead organisation write its progress
reports; owners and editors may also file the final report that marks the pledge completed; viewers read the
reports; the P2C Secretariat (staff) reviews them and features best practices.
"""

import rules

from organisations.models import Membership
from pledges.models import Pledge
from pledges.permissions import is_lead_editor, is_lead_reporter

from .models import BestPractice, Evidence, ProgressReport


def _role(user, organisation_id):
    """``user``'s role in the organisation, from their roles read once per user object (per request)."""
    if not user.is_authenticated:
        return None
    cache = user.__dict__.get("_p2c_progress_roles")
    if cache is None:
        cache = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
        user.__dict__["_p2c_progress_roles"] = cache
    return cache.get(organisation_id)


@rules.predicate
def is_report_member(user, report: ProgressReport):
    return report is not None and _role(user, report.pledge.lead_organisation_id) is not None


@rules.predicate
def is_report_writer(user, report: ProgressReport):
    return report is not None and is_lead_reporter(user, report.pledge)


@rules.predicate
def is_report_editable(user, report: ProgressReport):
    return report is not None and report.status in ProgressReport.EDITABLE_STATUSES


@rules.predicate
def is_report_published(user, report: ProgressReport):
    return report is not None and report.status == ProgressReport.Status.PUBLISHED


@rules.predicate
def is_public_evidence(user, evidence: Evidence):
    return (
        evidence is not None
        and evidence.visibility == Evidence.Visibility.PUBLIC
        and evidence.report.status == ProgressReport.Status.PUBLISHED
    )


@rules.predicate
def is_evidence_member(user, evidence: Evidence):
    return evidence is not None and is_report_member(user, evidence.report)


@rules.predicate
def is_published_pledge(user, pledge: Pledge):
    return pledge is not None and pledge.status == Pledge.Status.PUBLISHED


@rules.predicate
def is_public_pledge(user, pledge: Pledge):
    return pledge is not None and pledge.status in Pledge.PUBLIC_STATUSES


@rules.predicate
def is_featured(user, practice: BestPractice):
    return practice is not None and practice.status == BestPractice.Status.FEATURED


@rules.predicate
def is_practice_member(user, practice: BestPractice):
    return practice is not None and _role(user, practice.pledge.lead_organisation_id) is not None


rules.add_perm("progress.view_report", rules.is_staff | is_report_member)
rules.add_perm("progress.edit_report", rules.is_authenticated & is_report_editable & is_report_writer)
rules.add_perm("progress.moderate_report", rules.is_staff)
rules.add_perm(
    "progress.propose_best_practice", rules.is_authenticated & is_report_published & is_report_writer
)
rules.add_perm("progress.file_final_report", rules.is_authenticated & is_published_pledge & is_lead_editor)
rules.add_perm("progress.download_evidence", is_public_evidence | rules.is_staff | is_evidence_member)
rules.add_perm("progress.follow_pledge", rules.is_authenticated & is_public_pledge)
rules.add_perm("progress.view_best_practice", is_featured | rules.is_staff | is_practice_member)
rules.add_perm("progress.feature_best_practice", rules.is_staff)
