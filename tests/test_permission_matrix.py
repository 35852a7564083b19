"""The permission matrix: every URL that takes an object identifier, for every kind of visitor.

The URL patterns come from the URL configuration itself (admin, allauth and static files left out). A pattern
with a path parameter (public_id, slug, pk, token, ...) must have an entry in ``MATRIX``; a new URL without
one fails ``test_every_url_with_an_object_identifier_has_an_entry``. Each entry names the object (``kwargs``,
built from the ``World`` below) and the expected outcome of GET, and of POST where the view takes POST, for:

    anonymous, unrelated (signed in, no organisation), viewer, reporter, editor, owner (of the lead
    organisation), partner (editor of an organisation that is partner in the lead's joint pledges), staff.

Outcomes: an HTTP status (200, 403, 404, 405), "login" (redirect to the login page) or "redirect" (any other
redirect: the action was done or refused with a message). Each request runs in a savepoint that is rolled
back, so one role's POST never changes what the next role sees.
"""

import io

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image

from organisations import services as org_services
from organisations.images import clean_logo
from organisations.models import JoinRequest, Membership
from pledges.models import PledgePartner

from .factories import OrganisationFactory, PledgeFactory, UserFactory, member, published_pledge
from .pledges import matrix as pledges_matrix
from .progress import matrix as progress_matrix
from .secretariat import matrix as secretariat_matrix

ROLES = ("anonymous", "unrelated", "viewer", "reporter", "editor", "owner", "partner", "staff")
LOGIN, REDIRECT = "login", "redirect"
SKIPPED_PREFIXES = (
    settings.ADMIN_URL,
    "accounts/",
    settings.STATIC_URL.lstrip("/"),
    settings.MEDIA_URL.lstrip("/"),
)


def _all(outcome, **overrides):
    """The same outcome for every role, except ``overrides``."""
    return {role: overrides.get(role, outcome) for role in ROLES}


# Members of the lead organisation only (404 for everyone else: no hint that the object exists).
def _members_only(member_outcome, **overrides):
    members = {role: member_outcome for role in ("viewer", "reporter", "editor", "owner")}
    return _all(404, **{"anonymous": LOGIN, **members, **overrides})


def _owners_only(owner_outcome, member_outcome=403):
    return _members_only(member_outcome, owner=owner_outcome)


POST_ONLY = _all(405, anonymous=LOGIN)

MATRIX = {
    # --- organisations ---
    "organisations:detail": {"kwargs": lambda w: {"slug": w.lead.slug}, "GET": _all(200)},
    "organisations:logo": {"kwargs": lambda w: {"slug": w.lead.slug}, "GET": _all(200)},
    "organisations:join": {
        "kwargs": lambda w: {"slug": w.lead.slug},
        # Members cannot ask to join their own organisation; the unrelated user's request is already pending.
        "GET": _members_only(404, unrelated=REDIRECT, partner=200, staff=200),
        "POST": _members_only(404, unrelated=REDIRECT, partner=REDIRECT, staff=REDIRECT),
        "data": {"message": "We work together."},
    },
    "organisations:invitation": {
        "kwargs": lambda w: {"token": w.invitation_token},
        "GET": _all(200),
        # Accepting needs the invited, verified address: everyone else is sent back with a message.
        "POST": _all(REDIRECT, anonymous=LOGIN),
        "data": {"action": "accept"},
    },
    "organisations:members": {"kwargs": lambda w: {"slug": w.lead.slug}, "GET": _members_only(200)},
    "organisations:edit": {
        "kwargs": lambda w: {"slug": w.lead.slug},
        "GET": _owners_only(200),
        "POST": _owners_only(REDIRECT),
        "data": lambda w: {
            "name": w.lead.name,
            "stakeholder_type": w.lead.stakeholder_type_id,
            "description": "x",
        },
    },
    "organisations:invite": {
        "kwargs": lambda w: {"slug": w.lead.slug},
        "GET": _owners_only(200),
        "POST": _owners_only(REDIRECT),
        "data": {"email": "new.person@example.org", "role": "viewer"},
    },
    "organisations:invitation_revoke": {
        "kwargs": lambda w: {"slug": w.lead.slug, "pk": w.invitation.pk},
        "GET": POST_ONLY,
        "POST": _owners_only(REDIRECT),
    },
    "organisations:invitation_resend": {
        "kwargs": lambda w: {"slug": w.lead.slug, "pk": w.invitation.pk},
        "GET": POST_ONLY,
        "POST": _owners_only(REDIRECT),
    },
    "organisations:member_role": {
        "kwargs": lambda w: {"slug": w.lead.slug, "pk": w.colleague.pk},
        "GET": POST_ONLY,
        "POST": _owners_only(REDIRECT),
        "data": {"role": "editor"},
    },
    "organisations:member_remove": {
        "kwargs": lambda w: {"slug": w.lead.slug, "pk": w.colleague.pk},
        "GET": POST_ONLY,
        "POST": _owners_only(REDIRECT),
    },
    "organisations:leave": {
        "kwargs": lambda w: {"slug": w.lead.slug},
        "GET": _members_only(200),
        "POST": _members_only(REDIRECT),
    },
    "organisations:transfer": {
        "kwargs": lambda w: {"slug": w.lead.slug},
        "GET": _owners_only(200),
        "POST": _owners_only(REDIRECT),
        "data": lambda w: {"to": w.colleague.pk, "keep_role": "editor"},
    },
    "organisations:join_request_decide": {
        "kwargs": lambda w: {"slug": w.lead.slug, "pk": w.join_request.pk},
        "GET": POST_ONLY,
        "POST": _owners_only(REDIRECT),
        "data": {"decision": "approve", "role": "viewer"},
    },
    "organisations:join_request_withdraw": {
        "kwargs": lambda w: {"pk": w.join_request.pk},
        "GET": POST_ONLY,
        "POST": _all(404, anonymous=LOGIN, unrelated=REDIRECT),  # only the person who asked
    },
    # --- pledges (a draft of the lead, with the partner organisation invited) ---
    "pledges:detail": {
        "kwargs": lambda w: {"public_id": w.draft.public_id},
        "GET": _members_only(200, anonymous=404, partner=200, staff=200),
    },
    "pledges:edit": {
        "kwargs": lambda w: {"public_id": w.draft.public_id},
        "GET": _members_only(404, editor=200, owner=200),
        "POST": _members_only(404, editor=200, owner=200),  # empty form: shown again with its errors
    },
    "pledges:partner_respond": {
        "kwargs": lambda w: {"pk": w.partner_row.pk},
        "GET": POST_ONLY,
        "POST": _all(404, anonymous=LOGIN, partner=REDIRECT),
        "data": {"answer": "decline"},
    },
    # The lead's published pledge: its organisation's owners and editors withdraw it or mark it completed.
    "pledges:withdraw": {
        "kwargs": lambda w: {"public_id": w.published.public_id},
        "GET": _members_only(404, editor=200, owner=200),
        "POST": _members_only(404, editor=REDIRECT, owner=REDIRECT),
        "data": {"reason": "Funding fell through."},
    },
    "pledges:complete": {
        "kwargs": lambda w: {"public_id": w.published.public_id},
        "GET": _members_only(404, editor=200, owner=200),
        "POST": _members_only(404, editor=REDIRECT, owner=REDIRECT),
        "data": {"reason": "All delivered."},
    },
    # Express interest: any member of another organisation writes; people without one are told to register.
    "pledges:interest": {
        "kwargs": lambda w: {"public_id": w.published.public_id},
        "GET": _all(REDIRECT, anonymous=LOGIN, partner=200),
        "POST": _all(REDIRECT, anonymous=LOGIN),
        "data": lambda w: {"organisation": w.partner_org.slug, "message": "Shall we partner?"},
    },
    "pledges:report_problem": {
        "kwargs": lambda w: {"public_id": w.published.public_id},
        "GET": _all(200),
        "POST": _all(REDIRECT),
        "data": {"message": "The amount looks wrong."},
    },
    # The lead's inbox: its owners and editors answer or report a message; nobody else sees it.
    "pledges:inbox_reply": {
        "kwargs": lambda w: {"pk": pledges_matrix.partnership_request(w).pk},
        "GET": POST_ONLY,
        "POST": _all(404, anonymous=LOGIN, editor=REDIRECT, owner=REDIRECT),
        "data": {"reply": "Yes", "accept": "yes"},
    },
    "pledges:inbox_abuse": {
        "kwargs": lambda w: {"pk": pledges_matrix.partnership_request(w).pk},
        "GET": POST_ONLY,
        "POST": _all(404, anonymous=LOGIN, editor=REDIRECT, owner=REDIRECT),
    },
    # An email invitation to the lead's draft: people who may answer for an organisation choose one; the
    # others are sent to register theirs first. Claiming for an organisation one is not editor of is a 404.
    "pledges:partner_claim": {
        "kwargs": lambda w: {"token": pledges_matrix.claim_token(w)},
        "GET": _all(REDIRECT, anonymous=LOGIN, editor=200, owner=200, partner=200),
        "POST": _all(REDIRECT, anonymous=LOGIN, editor=404, owner=404),
        "data": lambda w: {"organisation": w.partner_org.slug},
    },
    # Public pages by place and theme.
    "pledges:country": {"kwargs": lambda w: {"iso2": "MW"}, "GET": _all(200)},
    "pledges:country_feed": {"kwargs": lambda w: {"iso2": "MW"}, "GET": _all(200)},
    "pledges:focus_area": {"kwargs": lambda w: {"slug": "access"}, "GET": _all(200)},
    "pledges:focus_area_feed": {"kwargs": lambda w: {"slug": "access"}, "GET": _all(200)},
    "pledges:pillar": {"kwargs": lambda w: {"slug": "access", "pillar": "infrastructure"}, "GET": _all(200)},
    # --- annual reports: the public archive serves released revisions only (none exists in this world) ---
    "annual_report": {"kwargs": lambda w: {"year": 2025, "language": "en"}, "GET": _all(404)},
    "annual_report_revision": {
        "kwargs": lambda w: {"year": 2025, "language": "en", "revision": 1},
        "GET": _all(404),
    },
    # --- open data: public records only (a draft is 404 for everyone, staff included) ---
    "opendata-api:pledge-detail": {
        "kwargs": lambda w: {"public_id": w.published.public_id},
        "GET": _all(200),
    },
    "opendata-api:organisation-detail": {"kwargs": lambda w: {"slug": w.lead.slug}, "GET": _all(200)},
    "opendata-api:progress-report-detail": {
        "kwargs": lambda w: {"pk": pledges_matrix.progress_report_pk(w)},
        "GET": _all(200),
    },
    "opendata-api:beneficiary-group-detail": {"kwargs": lambda w: {"slug": "youth"}, "GET": _all(200)},
    "opendata-api:campaign-detail": {"kwargs": lambda w: {"slug": "ldc5"}, "GET": _all(200)},
    "opendata-api:connectivity-target-detail": {
        "kwargs": lambda w: {"slug": "gender-parity"},
        "GET": _all(200),
    },
    "opendata-api:country-detail": {"kwargs": lambda w: {"iso2": "MW"}, "GET": _all(200)},
    "opendata-api:country-group-detail": {"kwargs": lambda w: {"code": "LDC"}, "GET": _all(200)},
    "opendata-api:currency-detail": {"kwargs": lambda w: {"code": "EUR"}, "GET": _all(200)},
    "opendata-api:focus-area-detail": {"kwargs": lambda w: {"slug": "access"}, "GET": _all(200)},
    "opendata-api:pillar-detail": {"kwargs": lambda w: {"slug": "skills"}, "GET": _all(200)},
    "opendata-api:pledge-type-detail": {"kwargs": lambda w: {"slug": "policy"}, "GET": _all(200)},
    "opendata-api:region-detail": {"kwargs": lambda w: {"m49_code": "202"}, "GET": _all(200)},
    "opendata-api:sdg-detail": {"kwargs": lambda w: {"number": 9}, "GET": _all(200)},
    "opendata-api:stakeholder-type-detail": {"kwargs": lambda w: {"slug": "government"}, "GET": _all(200)},
    "opendata-download": {"kwargs": lambda w: {"dataset": "pledges", "fmt": "csv"}, "GET": _all(200)},
    # --- progress (on a published pledge of the lead) ---
    "progress:create": {
        "kwargs": lambda w: {"public_id": w.published.public_id},
        "GET": _members_only(200, viewer=404),
        "POST": _members_only(200, viewer=404),  # empty form: shown again with its errors
    },
    # A draft report of the lead (viewers read it; owners, editors and reporters write it; staff read it).
    "progress:edit": {
        "kwargs": lambda w: {"pk": progress_matrix.draft_report(w).pk},
        "GET": _members_only(200, staff=200),
        "POST": _members_only(200, viewer=403, staff=403),  # empty form: shown again with its errors
    },
    "progress:evidence_remove": {
        "kwargs": lambda w: {
            "pk": progress_matrix.draft_report(w).pk,
            "evidence_pk": progress_matrix.evidence(w).pk,
        },
        "GET": POST_ONLY,
        "POST": _members_only(REDIRECT, viewer=404),
    },
    # A public evidence file of an unpublished report: the organisation and staff only.
    "progress:evidence": {
        "kwargs": lambda w: {"pk": progress_matrix.evidence(w).pk},
        "GET": _members_only(200, anonymous=404, staff=200),
    },
    "progress:best_practice_propose": {
        "kwargs": lambda w: {"pk": progress_matrix.published_report(w).pk},
        "GET": _members_only(200, viewer=404),
        "POST": _members_only(200, viewer=404),  # empty form: shown again with its errors
    },
    "progress:follow": {
        "kwargs": lambda w: {"public_id": w.published.public_id},
        "GET": POST_ONLY,
        "POST": _all(REDIRECT, anonymous=LOGIN),
    },
    "progress:health": {"kwargs": lambda w: {"public_id": w.published.public_id}, "GET": _all(200)},
    # A proposed best practice (not featured yet): the organisation and staff only.
    "progress:best_practice": {
        "kwargs": lambda w: {"pk": progress_matrix.best_practice(w).pk},
        "GET": _members_only(200, anonymous=404, staff=200),
    },
    "progress:best_practice_image": {
        "kwargs": lambda w: {"pk": progress_matrix.best_practice(w).pk},
        "GET": _members_only(200, anonymous=404, staff=200),
    },
    # --- secretariat ---
    # An old platform ID of the lead's draft: redirects (301) whoever may see the draft, 404 for the others.
    "secretariat:legacy_pledge": {
        "kwargs": lambda w: {"old_id": secretariat_matrix.legacy_id_of_draft(w)},
        "GET": _members_only(REDIRECT, anonymous=404, partner=REDIRECT, staff=REDIRECT),
    },
    # The unsubscribe link works from the email, whoever opens it (the signed token names the person).
    "secretariat:unsubscribe": {
        "kwargs": lambda w: {"token": secretariat_matrix.unsubscribe_token_of_owner(w)},
        "GET": _all(200),
        "POST": _all(200),
    },
    "secretariat:legal": {
        "kwargs": lambda w: {"kind": secretariat_matrix.published_terms(w)},
        "GET": _all(200),
    },
}


def _png_logo():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(buffer, "PNG")
    buffer.seek(0)
    buffer.size = len(buffer.getvalue())
    return clean_logo(buffer)


class World:
    """One organisation with a member of each role, a partner organisation, and their objects."""

    def __init__(self):
        self.lead = OrganisationFactory(name="Lead Ministry")
        self.lead.logo.save("logo.png", _png_logo(), save=True)
        self.users = {
            "unrelated": UserFactory(),
            "staff": UserFactory(is_staff=True, is_superuser=True),
        }
        for role in ("viewer", "reporter", "editor", "owner"):
            self.users[role] = member(self.lead, role)
        self.colleague = Membership.objects.get(user=member(self.lead, Membership.Role.VIEWER))
        self.partner_org = OrganisationFactory(name="Partner Agency")
        self.users["partner"] = member(self.partner_org, Membership.Role.EDITOR)
        self.draft = PledgeFactory(lead_organisation=self.lead)
        self.partner_row = PledgePartner.objects.create(pledge=self.draft, organisation=self.partner_org)
        self.published = published_pledge(self.lead, partners=[self.partner_org])
        self.invitation, self.invitation_token = org_services.invitation_create(
            organisation=self.lead, email="invitee@example.org", role="editor", by=self.users["owner"]
        )
        self.join_request = JoinRequest.objects.create(organisation=self.lead, user=self.users["unrelated"])


def _patterns(resolvers, prefix="", namespace=""):
    """(route, url name, parameter names) of every URL pattern, following includes."""
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry.url_patterns, route, ns)
        elif isinstance(entry, URLPattern):
            params = set(getattr(entry.pattern, "converters", {})) or set(entry.pattern.regex.groupindex)
            yield route, f"{namespace}{entry.name}" if entry.name else None, params, entry


def _object_urls():
    found = {}
    for route, name, params, entry in _patterns(get_resolver().url_patterns):
        if route.startswith(SKIPPED_PREFIXES) or entry.callback.__module__.startswith(("allauth", "django.")):
            continue
        if params:
            found[name or route] = route
    return found


def test_every_url_with_an_object_identifier_has_an_entry():
    missing = sorted(set(_object_urls()) - set(MATRIX))
    assert not missing, (
        "These URLs take an object identifier but have no entry in MATRIX (tests/test_permission_matrix.py); "
        f"add the expected outcome for {', '.join(ROLES)}: {missing}"
    )


def test_the_matrix_has_no_stale_entries():
    stale = sorted(set(MATRIX) - set(_object_urls()))
    assert not stale, f"MATRIX names URLs that no longer exist: {stale}"


class _Rollback(Exception):
    pass


def _outcome(response):
    if response.status_code in (301, 302):
        return LOGIN if response["Location"].startswith(reverse("account_login")) else REDIRECT
    return response.status_code


CASES = [(name, method) for name, entry in MATRIX.items() for method in ("GET", "POST") if method in entry]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name,method", CASES, ids=[f"{n}-{m}" for n, m in CASES])
def test_permission_matrix(client, url_name, method):
    world = World()
    entry = MATRIX[url_name]
    url = reverse(url_name, kwargs=entry["kwargs"](world))
    data = entry.get("data", {})
    data = data(world) if callable(data) else data
    got = {}
    for role in ROLES:
        try:
            with transaction.atomic():
                client.logout()
                if role != "anonymous":
                    client.force_login(world.users[role])
                response = client.post(url, data) if method == "POST" else client.get(url)
                got[role] = _outcome(response)
                raise _Rollback
        except _Rollback:
            pass
    assert got == entry[method], f"{method} {url}"
