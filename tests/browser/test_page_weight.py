"""Low bandwidth and small screens: what the main pages weigh, and that none scrolls sideways at 360 px.

How the weight is measured. The other browser tests get static files from pytest-django's live server, which
serves them from the finders, unhashed and uncompressed, as no production server would. These tests instead
build what production serves: ``collectstatic`` with production's storage (``p2c.staticfiles.StaticFilesStorage``:
hashed names, gzip and brotli copies) into a temporary ``STATIC_ROOT``, and a server of their own
(``LiveServerThread`` without the static-files handler) where WhiteNoise's middleware serves those files, as in
production, with ``Cache-Control: max-age=315360000, public, immutable`` for the hashed names. (Only our own and
the site's static files are collected: the admin's, the API documentation's and the vendored axe-core are left
out, as no page measured here loads them.)

Chromium loads each page; the weight is the sum of ``transferSize`` of the navigation and of every resource in
the Performance API (headers plus the body as sent, i.e. compressed; 0 for what came from the browser's cache).
Over plain HTTP Chromium asks for gzip, not brotli, so the figures are an upper bound of what HTTPS serves.
The HTML itself is not compressed by the application (a proxy in front may compress it).

Budgets (issue "Six UN languages, right-to-left, accessibility and a credible public face"), in English and in
Arabic: the marketplace's first load (empty cache) at most 500 KB in all; a later page (a pledge's page, the
cache warm from the marketplace) at most 100 KB. ``P2C_SCREENSHOTS=<folder>`` also saves full-page screenshots of the main pages at
360 and 1280 px wide, in English and Arabic.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.test.testcases import LiveServerThread
from whitenoise.compress import Compressor

from organisations.models import Membership
from pledges.models import Pledge

from ..factories import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KB = 1000
FIRST_LOAD_BUDGET = 500 * KB
LATER_PAGE_BUDGET = 100 * KB
NARROW = 360
PASSWORD = "correct-horse-battery"  # tests/factories.py
NOT_COLLECTED = ["admin", "rest_framework", "drf_spectacular_sidecar", "modeltranslation", "axe", "*.map"]

TRANSFERRED = """() => {
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
    return entries.map(e => ({name: e.name, transfer: e.transferSize, body: e.encodedBodySize,
                              decoded: e.decodedBodySize}));
}"""

# The elements that stick out of the viewport (for the failure message).
OVERFLOWING = """(width) => [...document.querySelectorAll('body *')]
    .filter(el => { const r = el.getBoundingClientRect(); return r.width && (r.right > width + 1 || r.left < -1); })
    .slice(0, 8)
    .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
               (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''))
"""


@pytest.fixture
def production_server(transactional_db, settings, tmp_path):
    """The site with production's static files (hashed, compressed, served by WhiteNoise): its base URL."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "p2c.staticfiles.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    settings.WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
    call_command("collectstatic", "--no-input", verbosity=0, ignore_patterns=NOT_COLLECTED)
    shared = {
        conn.alias: conn for conn in connections.all() if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread = LiveServerThread("127.0.0.1", lambda app: app, connections_override=shared, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()
    for conn in shared.values():
        conn.dec_thread_sharing()


@pytest.fixture
def site(production_server):
    """The demo data, a member of a demo organisation, and the paths of the main pages."""
    call_command("load_demo_data")
    pledge = Pledge.objects.published().order_by("public_id").first()
    user = member(pledge.lead_organisation, Membership.Role.OWNER)
    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    country = pledge.beneficiary_countries.order_by("iso2").first()
    return {
        "base": production_server,
        "session": client.cookies["sessionid"].value,
        "public": {
            "home": "/",
            "marketplace": "/pledges/",
            "pledge": pledge.get_absolute_url(),
            "country": f"/countries/{country.iso2 if country else 'KE'}/",
            "dashboard": "/dashboard/",
        },
        "signed_in": {"workspace": "/my/", "pledge form": "/my/pledges/new/"},
    }


def _transferred(page) -> list[dict]:
    page.wait_for_load_state("networkidle")
    return page.evaluate(TRANSFERRED)


def _context(chromium, site, width, language="en", signed_in=False):
    context = chromium.new_context(viewport={"width": width, "height": 800}, locale=language)
    context.set_default_timeout(15000)
    if signed_in:
        context.add_cookies([{"name": "sessionid", "value": site["session"], "url": site["base"]}])
    return context


def test_marketplace_first_load_and_a_later_page_stay_within_budget(chromium, site):
    base = site["base"]
    static_headers, measured = {}, {}
    for language in ("en", "ar"):
        prefix = "" if language == "en" else f"/{language}"
        context = _context(chromium, site, 1280, language)  # a new context: an empty cache
        page = context.new_page()
        page.on(
            "response",
            lambda r: static_headers.setdefault(r.url, r.headers) if "/static/" in r.url else None,
        )
        page.goto(base + prefix + site["public"]["marketplace"])
        first = _transferred(page)
        page.goto(base + prefix + site["public"]["pledge"])
        later = _transferred(page)
        context.close()
        measured[language] = (first, later)
        print(
            f"{language}: marketplace, first load: {sum(e['transfer'] for e in first) / KB:.1f} KB in "
            f"{len(first)} responses ({sum(e['decoded'] for e in first) / KB:.1f} KB uncompressed); "
            f"a pledge page after it: {sum(e['transfer'] for e in later) / KB:.1f} KB"
        )
        for entry in first + later:
            print(f"  {entry['transfer']:>8} B  {entry['name'].replace(base, '')}")

    # Production's static files: hashed names, compressed, cached for good.
    assert static_headers, "no static file was loaded"
    for url, headers in static_headers.items():
        if url.endswith((".css", ".js")):
            assert headers.get("content-encoding") in ("gzip", "br"), url
        assert "immutable" in headers.get("cache-control", ""), (url, headers.get("cache-control"))
    for language, (first, later) in measured.items():
        first_total, later_total = sum(e["transfer"] for e in first), sum(e["transfer"] for e in later)
        assert first_total <= FIRST_LOAD_BUDGET, f"{language}: marketplace first load: {first_total} bytes"
        assert later_total <= LATER_PAGE_BUDGET, f"{language}: pledge page, warm cache: {later_total} bytes"
        assert all(e["transfer"] == 0 for e in later if "/static/" in e["name"]), "static files fetched again"


@pytest.mark.parametrize("language", ["en", "ar"])
def test_no_main_page_scrolls_sideways_at_360_px(chromium, site, language):
    prefix = "" if language == "en" else f"/{language}"
    wide = []
    shots = os.environ.get("P2C_SCREENSHOTS")
    for signed_in, pages in ((False, site["public"]), (True, site["signed_in"])):
        widths = (NARROW, 1280) if shots else (NARROW,)
        for width in widths:
            context = _context(chromium, site, width, language, signed_in=signed_in)
            page = context.new_page()
            for name, path in pages.items():
                response = page.goto(site["base"] + prefix + path)
                assert response.status == 200, f"{prefix}{path}: {response.status}"
                assert page.evaluate("() => document.documentElement.lang") == language
                if width == NARROW:
                    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
                    if scroll_width > NARROW:
                        wide.append((name, scroll_width, page.evaluate(OVERFLOWING, NARROW)))
                if shots:
                    folder = Path(shots)
                    folder.mkdir(parents=True, exist_ok=True)
                    page.screenshot(
                        path=folder / f"{name.replace(' ', '-')}-{language}-{width}.png", full_page=True
                    )
            context.close()
    assert not wide, f"pages wider than {NARROW} px ({language}): {wide}"
