"""axe-core (WCAG 2.1 A and AA) on every page of the platform, in English and in Arabic: zero violations.

The pages come from the URL configuration itself (``get_resolver()``), the Django admin, static and media files
left out:

- a pattern without parameters is visited as an anonymous visitor, and again signed in when it sends anonymous
  visitors to the login page;
- a pattern with parameters needs a representative object in ``SAMPLES`` (built on the permission matrix's
  ``World`` plus the demo data); a new URL without one fails ``test_every_page_has_a_sample``, naming it;
- what is not a page for a person (feeds, files, JSON, POST-only actions, redirects) is listed in ``NOT_PAGES``
  with the reason.

Each page is fetched first with Django's test client (the final status must be 200 and the answer HTML), then
opened once in Chromium (one browser, one tab per role) with the vendored ``static/vendor/axe/axe.min.js``
injected, and ``axe.run`` with the tags ``wcag2a``, ``wcag2aa``, ``wcag21a`` and ``wcag21aa``. The not-found page
is checked too. ``P2C_AXE_REPORT=<folder>`` writes the pages checked and the violations found to
``<folder>/axe-<language>.json``. The assertion lists every violation with the page, the rule, its help and the offending nodes.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import translation

from organisations.models import Membership
from pledges import partnering
from pledges.models import Pledge
from reference.models import Pillar

from ..factories import OrganisationFactory, UserFactory, member
from ..progress import matrix as progress_matrix
from ..secretariat import matrix as secretariat_matrix
from ..test_permission_matrix import World, _patterns

pytestmark = pytest.mark.browser
live_database = pytest.mark.django_db(transaction=True)  # the live server sees only committed data

AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGUAGES = ("en", "ar")
PASSWORD = "correct-horse-battery"  # tests/factories.py
AUTO = "auto"  # anonymous, or signed in as the owner when the page asks anonymous visitors to log in

SKIPPED_PREFIXES = (settings.ADMIN_URL, settings.STATIC_URL.lstrip("/"), settings.MEDIA_URL.lstrip("/"))

# URL names (or namespaces ending in ":") that are not pages for a person, and why.
NOT_PAGES = {
    "opendata-api:": "JSON (the API renders JSON only)",
    "opendata-schema": "the OpenAPI schema (YAML)",
    "opendata-iati": "IATI XML",
    "opendata-download": "CSV and JSON downloads",
    "healthz": "JSON health check",
    "favicon": "a redirect to the icon (an image)",
    "sitemap": "XML sitemap",
    "set_language": "POST only (the language switcher's form)",
    "annual_report": "the annual report's PDF",
    "annual_report_revision": "the annual report's PDF",
    "pledges:feed": "Atom feed",
    "pledges:country_feed": "Atom feed",
    "pledges:focus_area_feed": "Atom feed",
    "pledges:inbox_reply": "POST only",
    "pledges:inbox_abuse": "POST only",
    "pledges:partner_respond": "POST only",
    "organisations:logo": "an image",
    "organisations:switch": "POST only",
    "organisations:invitation_revoke": "POST only",
    "organisations:invitation_resend": "POST only",
    "organisations:member_role": "POST only",
    "organisations:member_remove": "POST only",
    "organisations:join_request_decide": "POST only",
    "organisations:join_request_withdraw": "POST only",
    "progress:evidence_remove": "POST only",
    "progress:evidence": "an evidence file",
    "progress:follow": "POST only",
    "progress:best_practice_image": "an image",
    "secretariat:legacy_pledge": "redirects to the pledge's page",
    "accounts:export": "JSON download of one's data",
    "account_confirm_login_code": "login by code is off (ACCOUNT_LOGIN_BY_CODE_ENABLED)",
    "account_request_reauthentication_code": "login by code is off",
    "account_confirm_reauthentication_code": "login by code is off",
    "mfa_authenticate": "only during a login with two-factor authentication; redirects otherwise",
    "mfa_reauthenticate": "only with two-factor authentication set up; redirects otherwise",
    "mfa_deactivate_totp": "only with an authenticator app set up; redirects otherwise",
    "mfa_view_recovery_codes": "only with two-factor authentication set up; redirects otherwise",
    "mfa_generate_recovery_codes": "only with two-factor authentication set up; redirects otherwise",
    "mfa_download_recovery_codes": "a text file",
}


# Third-party widgets axe leaves out (their own markup, not ours), and why. The page around them is checked.
EXCLUDED_WIDGETS = {
    # Swagger UI (drf-spectacular-sidecar) renders the API reference with its own colours and nests its
    # copy buttons in the operation buttons (axe: color-contrast, nested-interactive). The same reference is
    # readable without it as the OpenAPI schema and in the data dictionary (/data/dictionary/).
    "opendata-docs": ["#swagger-ui"],
}


@dataclass
class Sample:
    """A page to check: who opens it and the URL's parameters (from the world ``w``)."""

    role: str
    kwargs: object  # callable: world -> dict of URL parameters


def _demo_pledge(w):
    return Pledge.objects.published().exclude(lead_organisation=w.lead).order_by("public_id").first()


SAMPLES = {
    "pledges:detail": [
        Sample("anonymous", lambda w: {"public_id": _demo_pledge(w).public_id}),
        Sample("owner", lambda w: {"public_id": w.published.public_id}),
    ],
    "pledges:interest": [Sample("partner", lambda w: {"public_id": w.published.public_id})],
    "pledges:report_problem": [Sample("anonymous", lambda w: {"public_id": w.published.public_id})],
    "pledges:country": [Sample("anonymous", lambda w: {"iso2": "MW"})],
    "pledges:focus_area": [Sample("anonymous", lambda w: {"slug": "access"})],
    "pledges:pillar": [Sample("anonymous", lambda w: {"slug": "access", "pillar": w.pillar.slug})],
    "pledges:edit": [Sample("owner", lambda w: {"public_id": w.draft.public_id})],
    "pledges:withdraw": [Sample("owner", lambda w: {"public_id": w.published.public_id})],
    "pledges:complete": [Sample("owner", lambda w: {"public_id": w.published.public_id})],
    "pledges:partner_claim": [Sample("partner", lambda w: {"token": w.partner_claim_token})],
    "organisations:detail": [Sample("anonymous", lambda w: {"slug": w.lead.slug})],
    "organisations:join": [Sample("partner", lambda w: {"slug": w.lead.slug})],
    "organisations:invitation": [Sample("anonymous", lambda w: {"token": w.invitation_token})],
    "organisations:members": [Sample("owner", lambda w: {"slug": w.lead.slug})],
    "organisations:edit": [Sample("owner", lambda w: {"slug": w.lead.slug})],
    "organisations:invite": [Sample("owner", lambda w: {"slug": w.lead.slug})],
    "organisations:leave": [Sample("viewer", lambda w: {"slug": w.lead.slug})],
    "organisations:transfer": [Sample("owner", lambda w: {"slug": w.lead.slug})],
    # A pledge with a published report and no draft (on w.published the draft report would open instead).
    "progress:create": [
        Sample("owner", lambda w: {"public_id": progress_matrix.published_report(w).pledge.public_id})
    ],
    "progress:edit": [Sample("owner", lambda w: {"pk": progress_matrix.draft_report(w).pk})],
    "progress:best_practice_propose": [
        Sample("owner", lambda w: {"pk": progress_matrix.published_report(w).pk})
    ],
    "progress:health": [Sample("anonymous", lambda w: {"public_id": w.published.public_id})],
    "progress:best_practice": [Sample("owner", lambda w: {"pk": progress_matrix.best_practice(w).pk})],
    "secretariat:unsubscribe": [
        Sample("anonymous", lambda w: {"token": secretariat_matrix.unsubscribe_token_of_owner(w)})
    ],
    "secretariat:legal": [Sample("anonymous", lambda w: {"kind": "terms"})],
    "account_confirm_email": [Sample("anonymous", lambda w: {"key": w.email_confirmation_key})],
    "account_reset_password_from_key": [
        Sample("anonymous", lambda w: {"uidb36": w.reset_uidb36, "key": w.reset_key})
    ],
}

# Parameterless pages a particular person must see (a newcomer who has not accepted the terms in force).
ROLE_OF = {"secretariat:consent": "newcomer"}


def _not_a_page(name: str) -> str | None:
    for key, reason in NOT_PAGES.items():
        if name == key or (key.endswith(":") and name.startswith(key)):
            return reason
    return None


def _pages():
    """(url name, list of samples or None for a parameterless page) for every pattern that is a page, and the
    names of patterns with parameters and no sample."""
    pages, missing = {}, []
    for route, name, params, _entry in _patterns(get_resolver().url_patterns):
        key = name or route
        if route.startswith(SKIPPED_PREFIXES) or _not_a_page(key) or key in pages:
            continue
        if params:
            if key not in SAMPLES:
                missing.append(key)
                continue
            pages[key] = SAMPLES[key]
        else:
            pages[key] = None
    return pages, missing


def test_every_page_has_a_sample():
    _, missing = _pages()
    assert not missing, (
        "These URLs take parameters but have no representative object in SAMPLES "
        f"(tests/browser/test_accessibility.py), or a reason in NOT_PAGES: {sorted(missing)}"
    )


def _build_world():
    """The demo data, the permission matrix's world, and what its pages need to show real content."""
    call_command("load_demo_data")
    w = World()
    w.pillar = Pillar.objects.filter(focus_area__slug="access").order_by("pk").first()
    # Terms in force, accepted by everyone but the newcomer (who is sent to the consent page).
    secretariat_matrix.published_terms(w)
    from secretariat.consent import consent_accept, documents_in_force

    w.users["newcomer"] = UserFactory()
    for role, user in w.users.items():
        if role != "newcomer":
            consent_accept(user=user, documents=documents_in_force())
    # A message in the lead's inbox, a proposed best practice, a report on the timeline.
    partnering.partnership_request_send(
        pledge=w.published,
        from_organisation=w.partner_org,
        by=w.users["partner"],
        message="We run community networks in the north and would like to join.",
    )
    progress_matrix.best_practice(w)
    progress_matrix.draft_report(w)
    # A partner invitation by email, claimed by the partner's editor.
    w.partner_claim_token = _partner_invitation_token(w)
    # An unconfirmed email address and a password-reset key.
    from allauth.account.forms import default_token_generator
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC
    from allauth.account.utils import user_pk_to_url_str

    unconfirmed = UserFactory()
    address = EmailAddress.objects.get(user=unconfirmed)
    address.verified = False
    address.save()
    w.email_confirmation_key = EmailConfirmationHMAC(address).key
    w.reset_uidb36 = user_pk_to_url_str(w.users["owner"])
    w.reset_key = default_token_generator.make_token(w.users["owner"])
    return w


def _partner_invitation_token(w):
    """The token of an emailed partner invitation on the lead's draft (the claim page's object)."""
    import hashlib
    import secrets

    from pledges.models import PledgePartner

    token = secrets.token_urlsafe(32)
    PledgePartner.objects.create(
        pledge=w.draft,
        invited_name="Community Networks Agency",
        invited_email="partners@agency.example",
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
    )
    return token


def _fetch(client, url):
    """GET ``url`` with the test client, following redirects: (status, final path, content type)."""
    response = client.get(url, follow=True)
    final = response.redirect_chain[-1][0] if response.redirect_chain else url
    return response.status_code, final, response.get("Content-Type", "")


def _axe(page, url, exclude=()):
    """Open ``url``, run axe with the WCAG 2.1 A/AA tags on the document less the CSS selectors ``exclude``;
    a list of violations (rule, impact, help, first nodes)."""
    response = page.goto(url)
    status = response.status if response is not None else None
    assert status in (200, 404) or url.startswith("file:"), f"{url}: {status}"
    return _axe_here(page, exclude)


def _axe_here(page, exclude=()):
    """axe on the page as it is now (after a form was sent, say); see ``_axe``."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async ([tags, exclude]) => {
            const context = {include: [document], exclude: exclude.map(selector => [selector])};
            const result = await axe.run(context, {runOnly: {type: 'tag', values: tags},
                                                   resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                                     summary: n.failureSummary}))}));
        }""",
        [AXE_TAGS, list(exclude)],
    )


@pytest.mark.slow
@live_database
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_has_no_axe_violation(live_server, chromium, language):
    world = _build_world()
    base = live_server.url
    pages, missing = _pages()
    clients, tabs, checked, violations, problems = {}, {}, [], [], []

    def client_for(role):
        if role not in clients:
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            if role != "anonymous":  # through the login form, so pages asking for a recent login open too
                response = client.post(
                    reverse("account_login"), {"login": world.users[role].email, "password": PASSWORD}
                )
                assert response.status_code == 302, f"{role} could not log in"
                # ... and confirm the password again, as the pages that change security settings ask.
                response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
                assert response.status_code == 302, f"{role} could not confirm the password"
            clients[role] = client
        return clients[role]

    def tab_for(role):
        if role not in tabs:
            context = chromium.new_context(
                viewport={"width": 1280, "height": 900}, locale=language, bypass_csp=True
            )
            context.set_default_timeout(15000)
            cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}]
            if role != "anonymous":  # the same session as the test client's
                session = client_for(role).cookies[settings.SESSION_COOKIE_NAME].value
                cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base})
            context.add_cookies(cookies)
            tabs[role] = context.new_page()
        return tabs[role]

    login_path = None
    with translation.override(language):
        login_path = reverse("account_login")
        targets = []
        for name, samples in pages.items():
            if samples is None:
                targets.append((name, ROLE_OF.get(name, AUTO), reverse(name)))
            else:
                targets += [(name, s.role, reverse(name, kwargs=s.kwargs(world))) for s in samples]
        targets.append(("(page not found)", "anonymous", reverse("home") + "no-such-page/"))

    seen = set()
    for name, role, url in targets:
        if role == AUTO:
            status, final, content_type = _fetch(client_for("anonymous"), url)
            role = "anonymous"
            if final.startswith(login_path) and not url.startswith(login_path):
                role = "owner"
                status, final, content_type = _fetch(client_for(role), url)
        else:
            status, final, content_type = _fetch(client_for(role), url)
        expected = 404 if name == "(page not found)" else 200
        if status != expected or not content_type.startswith("text/html"):
            problems.append(f"{name} ({role}) {url} -> {status} {content_type} at {final}")
            continue
        if (role, final) in seen:
            continue
        seen.add((role, final))
        found = _axe(tab_for(role), base + final, EXCLUDED_WIDGETS.get(name, ()))
        checked.append(f"{name} ({role}) {final}")
        violations += [{"page": f"{name} ({role}) {final}", **v} for v in found]

    report = "\n".join(checked)
    if os.environ.get("P2C_AXE_REPORT"):  # a folder: the pages checked and the violations found, as JSON
        out = Path(os.environ["P2C_AXE_REPORT"]) / f"axe-{language}.json"
        out.write_text(
            json.dumps({"checked": checked, "violations": violations}, indent=1, ensure_ascii=False)
        )
    print(f"axe, {language}: {len(checked)} pages checked\n{report}")
    assert not problems, "Pages that did not answer 200 with HTML:\n" + "\n".join(problems)
    assert not violations, f"{len(violations)} axe violations ({language}):\n" + json.dumps(
        violations, indent=1, ensure_ascii=False
    )
    assert len(checked) >= 40, report


def test_axe_reports_what_it_should(chromium, tmp_path):
    """The harness itself: a page with an unlabelled field and an image without text fails, the fixed page
    passes (so an empty list above means axe ran and found nothing)."""
    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main><h1>t</h1>'
        '<input name="q"><img src="data:,"></main></body></html>'
    )
    good = tmp_path / "good.html"
    good.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main><h1>t</h1>'
        '<label for="q">Search</label><input id="q" name="q"><img src="data:," alt="Logo"></main></body></html>'
    )
    assert {v["id"] for v in _axe(page, bad.as_uri())} >= {"label", "image-alt"}
    assert _axe(page, good.as_uri()) == []
    context.close()


# Forms sent empty: (url name, signed in, the submit button's name and value or None for the only one).
EMPTY_FORMS = [
    ("account_signup", False, None),
    ("organisations:create", True, None),
    ("pledges:create", True, ("action", "submit")),
]

TIED_ERRORS = """() => [...document.querySelectorAll('[aria-invalid="true"]')].map(field => {
    const ids = (field.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
    const texts = ids.map(id => document.getElementById(id)).filter(Boolean).map(el => el.textContent.trim());
    return {name: field.name, described: texts.some(Boolean)};
})"""


@live_database
@pytest.mark.parametrize("language", LANGUAGES)
def test_form_errors_are_tied_to_their_fields_and_pass_axe(live_server, chromium, language):
    """Each form sent empty comes back with its errors, every invalid field names its error with
    aria-describedby (WCAG 3.3.1, 1.3.1), and the page with errors has no axe violation."""
    base = live_server.url
    organisation = OrganisationFactory()
    user = member(organisation, Membership.Role.OWNER)
    client = Client()
    assert (
        client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD}).status_code == 302
    )
    problems, violations = [], []
    for name, signed_in, button in EMPTY_FORMS:
        context = chromium.new_context(locale=language, bypass_csp=True)
        cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}]
        if signed_in:
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base})
        context.add_cookies(cookies)
        page = context.new_page()
        with translation.override(language):
            url = base + reverse(name)
        page.goto(url)
        selector = (
            f"main form button[name={button[0]}][value={button[1]}]" if button else "main form [type=submit]"
        )
        # The browser's own checks would stop an empty form before the server sees it: leave them out.
        page.eval_on_selector(selector, "b => { b.form.noValidate = true; }")
        with page.expect_navigation():
            page.locator(selector).last.click()
        fields = page.evaluate(TIED_ERRORS)
        if not fields:
            problems.append(f"{name}: no field marked invalid after sending it empty")
        problems += [f"{name}: {f['name']} has no error tied to it" for f in fields if not f["described"]]
        violations += [{"page": f"{name} with errors", **v} for v in _axe_here(page)]
        context.close()
    assert not problems, problems
    assert not violations, json.dumps(violations, indent=1, ensure_ascii=False)
