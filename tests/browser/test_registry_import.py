"""The registry import in the admin, in Chromium through the real server: the dry run and the import of the
demo CSV, of a generated 10,000-row file, and the refusal of bad rows and bad files.

An Administrator (the staff role, not a superuser) does it. Tasks run in-process in tests, so the dry run and
the import are done when the page after the upload (or the "Import now" button) loads.
"""

import pytest
from django.contrib.auth.models import Group

from benchmarks.import_registry import generate_registry_csv
from pledges.models import Pledge
from secretariat.models import LegacyPledge
from secretariat.roles import ADMINISTRATOR

from ..factories import UserFactory
from ..secretariat.helpers import DEMO_CSV, DEMO_PARTNERS, registry_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture
def administrator(page, live_server):
    user = UserFactory(email="registry.admin@example.org", is_staff=True, password=PASSWORD)
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name=ADMINISTRATOR))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    return user


def _upload(page, base, files: dict):
    page.goto(f"{base}/admin/secretariat/registryimport/add/")
    assert page.get_by_role("heading", name="Column layout (data dictionary)").is_visible()
    for field, payload in files.items():
        page.set_input_files(f"input[name={field}]", files=payload)
    page.get_by_role("button", name="Upload and check (dry run)").click()
    page.wait_for_load_state()


def _count(page, name) -> str:
    return page.locator(f"#import-counts td[data-count={name}]").inner_text()


def test_dry_run_then_import_of_the_demo_csv(page, live_server, administrator):
    base = live_server.url
    with open(DEMO_CSV, "rb") as f, open(DEMO_PARTNERS, "rb") as g:
        files = {
            "file": {"name": "p2c_public_pledges.csv", "mimeType": "text/csv", "buffer": f.read()},
            "partners_file": {
                "name": "partner_organisations.csv",
                "mimeType": "text/csv",
                "buffer": g.read(),
            },
        }
    _upload(page, base, files)

    assert page.locator("#import-status [data-status]").get_attribute("data-status") == "checked"
    assert (_count(page, "rows"), _count(page, "create"), _count(page, "refused")) == ("23", "23", "0")
    assert page.locator("#import-report tbody tr").count() == 23
    first = page.locator("#import-report tbody tr[data-line='2']")
    assert "will create" in first.inner_text() and "new organisation, verified" in first.inner_text()
    assert Pledge.objects.count() == 0  # the dry run wrote nothing

    page.get_by_role("button", name="Import now").click()
    page.wait_for_load_state()
    assert page.locator("#import-status [data-status]").get_attribute("data-status") == "imported"
    assert "23 pledge(s) created" in page.content()
    assert Pledge.objects.filter(status=Pledge.Status.PUBLISHED).count() == 23

    # The same file again: every row an update, nothing duplicated.
    _upload(page, base, files)
    assert (_count(page, "create"), _count(page, "update")) == ("0", "23")
    assert "on the platform: same name" in page.locator("#import-report tbody tr[data-line='2']").inner_text()
    page.get_by_role("button", name="Import now").click()
    page.wait_for_load_state()
    assert Pledge.objects.count() == 23


def test_bad_rows_and_bad_files_are_explained_and_nothing_is_imported(page, live_server, administrator):
    base = live_server.url
    bad = registry_csv(
        {"old_platform_id": "1"},
        {"old_platform_id": "2", "title": "Second", "beneficiary_countries_iso2": "Cote dIvoire"},
        {"old_platform_id": "3", "title": "Third", "value_amount": "ten million"},
    )
    _upload(page, base, {"file": {"name": "registry.csv", "mimeType": "text/csv", "buffer": bad}})
    assert page.locator("#import-status [data-status]").get_attribute("data-status") == "refused"
    assert _count(page, "refused") == "2"
    assert page.get_by_role("button", name="Import now").count() == 0
    page.get_by_role("link", name="refused", exact=True).click()
    page.wait_for_load_state()
    text = page.locator("#import-report").inner_text()
    assert "Unknown country “Cote dIvoire”" in text and "Did you mean “Côte d’Ivoire” (CI)?" in text
    assert "value_amount 'ten million' is not a number." in text
    assert page.locator("#import-report tbody tr").count() == 2

    _upload(
        page,
        base,
        {
            "file": {
                "name": "registry.csv",
                "mimeType": "text/csv",
                "buffer": b"\x89PNG\r\n\x1a\n" + bytes(64),
            }
        },
    )
    error = page.locator(".errorlist").first.inner_text()
    assert "not a CSV or XLSX file" in error
    assert Pledge.objects.count() == 0


@pytest.mark.slow
def test_dry_run_then_import_of_a_generated_10000_row_file(page, live_server, administrator):
    page.set_default_timeout(900_000)  # the dry run and the import of 10,000 rows run in the request here
    base = live_server.url
    data = generate_registry_csv(rows=10_000)
    _upload(page, base, {"file": {"name": "generated.csv", "mimeType": "text/csv", "buffer": data}})
    assert page.locator("#import-status [data-status]").get_attribute("data-status") == "checked"
    assert (_count(page, "rows"), _count(page, "create"), _count(page, "refused")) == ("10000", "10000", "0")
    assert page.locator("#import-report tbody tr").count() == 200  # a page of the report
    assert "Page 1 of 50" in page.content()
    assert Pledge.objects.count() == 0

    page.get_by_role("button", name="Import now").click()
    page.wait_for_load_state()
    assert page.locator("#import-status [data-status]").get_attribute("data-status") == "imported"
    assert Pledge.objects.count() == 10_000 and LegacyPledge.objects.count() == 10_000

    page.goto(f"{base}/legacy/pledges/OLD-000123/")
    pledge = LegacyPledge.objects.get(old_id="OLD-000123").pledge
    assert page.url.endswith(pledge.get_absolute_url())
    assert page.get_by_role("heading", level=1).inner_text() == pledge.title
