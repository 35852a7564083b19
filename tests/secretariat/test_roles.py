"""Staff roles: every role against every ModelAdmin of the admin site — its add, change, delete and view
permissions and each of its actions — checked against what the issue gives each role:

- Moderator: decides on pledges, progress reports (and best practices) and organisations; works the problem
  reports; writes notes and announcements.
- Analyst: reads everything, exports, starts annual reports; changes nothing.
- Administrator: reference data, users, imports, legal texts, the retention rule, annual reports, the outbox.

The expectations below are written out by hand (not derived from ``secretariat.roles``), so a change to the role
definitions or to an admin that gives a role more (or less) than this fails here.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory

from secretariat.roles import ADMINISTRATOR, ANALYST, MODERATOR
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REFERENCE = {
    f"reference.{name}"
    for name in (
        "Country",
        "Region",
        "CountryGroup",
        "CountryGroupMembership",
        "FocusArea",
        "Pillar",
        "PledgeType",
        "StakeholderType",
        "SDG",
        "BeneficiaryGroup",
        "ConnectivityTarget",
        "Campaign",
        "PartnershipNeed",
        "Currency",
        "ExchangeRate",
    )
}
# role -> permission -> the models (app_label.ModelName) it has that permission on.
MAY = {
    MODERATOR: {
        "add": {"secretariat.InternalNote", "secretariat.Announcement", "secretariat.AnnouncementText"},
        "change": {
            "organisations.Organisation",
            "pledges.Pledge",
            "pledges.PledgeRevision",
            "pledges.ProblemReport",
            "progress.ProgressReport",
            "progress.BestPractice",
            "secretariat.Announcement",
            "secretariat.AnnouncementText",
        },
        "delete": {"secretariat.AnnouncementText"},
    },
    ANALYST: {"add": {"reports.AnnualReport"}, "change": set(), "delete": set()},
    ADMINISTRATOR: {
        "add": REFERENCE
        | {
            "progress.ReportingPeriod",
            "accounts.User",
            "account.EmailAddress",
            "secretariat.RegistryImport",
            "secretariat.LegalDocument",
            "secretariat.RetentionPolicy",
            "secretariat.InternalNote",
            "secretariat.Announcement",
            "secretariat.AnnouncementText",
            "reports.AnnualReport",
            "reports.AnnualReportForeword",
        },
        "change": REFERENCE
        | {
            "progress.ReportingPeriod",
            "accounts.User",
            "account.EmailAddress",
            "secretariat.RegistryImport",
            "secretariat.LegalDocument",
            "secretariat.RetentionPolicy",
            "secretariat.Announcement",
            "secretariat.AnnouncementText",
            "reports.AnnualReport",
            "reports.AnnualReportForeword",
            "outbox.OutboxMessage",
        },
        "delete": REFERENCE
        | {
            "progress.ReportingPeriod",
            "accounts.User",
            "account.EmailAddress",
            "mfa.Authenticator",
            "secretariat.RegistryImport",
            "secretariat.AnnouncementText",
            "reports.AnnualReportForeword",
        },
    },
}
# What an action needs: "view" for exporting, "delete" for deleting; every other action changes something.
ACTION_NEEDS = {
    "export_selected_csv": ("view",),
    "delete_selected": ("delete",),
    "release": ("add", "change"),
    "withdraw": ("add", "change"),
}


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _role_user(role):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def _may(role, permission, label) -> bool:
    return permission == "view" or label in MAY[role][permission]


@pytest.mark.parametrize("role", [MODERATOR, ANALYST, ADMINISTRATOR])
def test_each_role_sees_only_what_it_may_do_in_every_model_admin(role):
    user, superuser = _role_user(role), UserFactory(is_staff=True, is_superuser=True)
    request, super_request = _request(user), _request(superuser)
    problems = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        assert model_admin.has_module_permission(request), label
        for permission in ("view", "add", "change", "delete"):
            check = getattr(model_admin, f"has_{permission}_permission")
            ceiling = check(super_request)  # what the ModelAdmin allows anyone at all
            expected = ceiling and _may(role, permission, label)
            if check(request) != expected:
                problems.append(f"{label}: {permission} is {check(request)}, expected {expected}")
        offered = set(model_admin.get_actions(request))
        for name in model_admin.get_actions(super_request):
            needs = ACTION_NEEDS.get(name, ("change",))
            expected = all(_may(role, permission, label) for permission in needs)
            if (name in offered) != expected:
                problems.append(f"{label}: action {name} offered={name in offered}, expected {expected}")
    assert not problems, "\n".join(problems)


def test_the_analyst_may_export_but_not_decide(client):
    from pledges.models import Pledge
    from tests.factories import PledgeFactory

    pledge = PledgeFactory(status=Pledge.Status.SUBMITTED)
    client.force_login(_role_user(ANALYST))
    changelist = "/admin/pledges/pledge/"
    response = client.get(changelist)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="export_selected_csv"' in html and 'value="publish"' not in html
    response = client.post(changelist, {"action": "export_selected_csv", "_selected_action": [pledge.pk]})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert pledge.public_id in body and body.splitlines()[0].startswith("id,public_id")
    response = client.post(
        changelist, {"action": "publish", "_selected_action": [pledge.pk], "confirm": "yes"}
    )
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.SUBMITTED  # the action is not even offered: nothing happened
    assert client.get(f"/admin/pledges/pledge/{pledge.pk}/change/").status_code == 200  # read-only view


def test_the_moderator_publishes_from_the_queue(client):
    from pledges.models import Pledge
    from tests.factories import PledgeFactory

    pledge = PledgeFactory(status=Pledge.Status.SUBMITTED)
    client.force_login(_role_user(MODERATOR))
    response = client.post(
        "/admin/pledges/pledge/",
        {"action": "publish", "_selected_action": [pledge.pk], "confirm": "yes", "reason": ""},
    )
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PUBLISHED


def test_exports_never_contain_secrets(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    response = client.post(
        "/admin/accounts/user/", {"action": "export_selected_csv", "_selected_action": [user.pk]}
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert user.email in body and "password" not in body.splitlines()[0] and user.password not in body


def test_cells_that_a_spreadsheet_would_run_are_neutralised(client):
    from tests.factories import OrganisationFactory

    org = OrganisationFactory(name='=HYPERLINK("http://evil.example")')
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/organisations/organisation/", {"action": "export_selected_csv", "_selected_action": [org.pk]}
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in body
