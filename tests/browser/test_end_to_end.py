"""Steps 1 to 7 of the platform in Chromium, through the real server, on the demo data.

A pledger signs up, confirms the email, registers an organisation and a joint pledge, saves a draft, comes back
and submits it; the Secretariat requests changes in the admin; the pledger sees the reason, fixes and resubmits;
the Secretariat publishes; the public finds it in the marketplace; the pledger reports progress and the
Secretariat publishes the report; staff start the annual report in the admin and download the PDF.
"""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from pypdf import PdfReader

from pledges.models import Pledge

from ..factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-and-unusual-passphrase-42"


def _confirmation_link(email):
    for message in reversed(mail.outbox):
        if email in message.to:
            found = re.search(r"https?://\S+/accounts/confirm-email/\S+", message.body)
            if found:
                return found.group(0)
    raise AssertionError(f"no confirmation email to {email}: {[m.subject for m in mail.outbox]}")


def _log_in(page, base, email, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def _log_out(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    confirm = page.get_by_role("button", name="Sign Out")
    if confirm.count():
        confirm.click()


def _admin_decide(page, base, pledge, action, label, reason=""):
    page.goto(f"{base}/admin/pledges/pledge/?status__exact=submitted")
    page.check(f"input[name=_selected_action][value='{pledge.pk}']")
    page.select_option("select[name=action]", action)
    page.get_by_role("button", name="Go").click()
    if reason:
        page.fill("textarea[name=reason]", reason)
    page.locator(f"input[type=submit][value='{label}']").click()
    page.wait_for_load_state()


def _admin_verify_organisation(page, base, organisation):
    """The Secretariat's "Verify" action (verification is not a form field: it goes through the service)."""
    page.goto(f"{base}/admin/organisations/organisation/?verification__exact=pending")
    page.check(f"input[name=_selected_action][value='{organisation.pk}']")
    page.select_option("select[name=action]", "verify")
    page.get_by_role("button", name="Go").click()
    page.locator("input[type=submit][value='Verify']").click()
    page.wait_for_load_state()


def test_the_seven_steps(live_server, page, settings):
    settings.SITE_URL = live_server.url
    call_command("load_demo_data")
    base = live_server.url
    email = "focal.point@ministry.example.gov"

    # 1. Sign up, confirm the email, log out, log in.
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_load_state()
    page.goto(_confirmation_link(email).replace("http://testserver", base))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    if "/accounts/login/" in page.url:
        _log_in(page, base, email, PASSWORD)
    _log_out(page)
    _log_in(page, base, email, PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "My workspace"

    # 2. Register an organisation.
    page.get_by_role("link", name="Register an organisation").click()
    page.fill("input[name=name]", "Ministry of Information and Communications Technology, Malawi")
    page.select_option("select[name=stakeholder_type]", label="Government")
    page.select_option("select[name=country]", label="Malawi")
    page.fill("input[name=website]", "https://www.example.gov.mw")
    page.fill("textarea[name=description]", "The ministry responsible for ICT policy.")
    page.check("input[name=consent_publish]")
    page.get_by_role("button", name="Register organisation").click()
    page.wait_for_load_state()
    assert "is registered" in page.content()

    # 3. A joint pledge: save a draft, come back, submit.
    page.get_by_role("link", name="Register a pledge").first.click()
    page.fill("input[name=title]", "Connect 1,000 rural schools in Malawi")
    page.fill("textarea[name=summary]", "Broadband for rural schools, with teacher training.")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    assert "Your draft is saved" in page.content()
    pledge = Pledge.objects.get(title="Connect 1,000 rural schools in Malawi")
    page.goto(f"{base}/my/")
    page.get_by_role("link", name=re.compile(r"^Edit")).first.click()
    page.fill("textarea[name=description]", "Fibre and satellite links for 1,000 schools.\nTeacher training.")
    page.get_by_label("Access", exact=True).check()
    page.get_by_label("Access — Infrastructure").check()
    page.get_by_label("Programmatic").check()
    page.select_option("select[name=beneficiary_countries]", ["MW"])
    page.fill("input[name=start_date]", "2025-01-01")
    page.fill("input[name=end_date]", "2027-12-31")
    page.fill("input[name=value_amount]", "25000000")
    page.select_option("select[name=value_currency]", "USD")
    page.select_option("select[name=partners]", label="International Telecommunication Union (ITU)")
    page.fill("input[name=deliverables-0-title]", "1,000 schools with a working broadband link")
    page.fill("input[name=deliverables-0-due_date]", "2027-06-30")
    page.fill("input[name=deliverables-0-target_value]", "1000")
    page.fill("input[name=deliverables-0-unit]", "schools")
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_load_state()
    assert "submitted for review" in page.content()
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.SUBMITTED

    # 4. The Secretariat requests changes; the pledger sees the reason and an email; resubmits; published.
    staff = UserFactory(is_staff=True, is_superuser=True, email="moderator@secretariat.example.org")
    staff_page = page.context.browser.new_page()
    staff_page.goto(f"{base}/admin/login/")  # the admin login goes through allauth's login page
    staff_page.fill("input[name=login]", staff.email)
    staff_page.fill("input[name=password]", "correct-horse-battery")
    staff_page.get_by_role("button", name="Sign In").click()
    staff_page.wait_for_load_state()
    _admin_decide(
        staff_page, base, pledge, "request_changes", "Request changes", "Please name the districts."
    )
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CHANGES_REQUESTED
    assert any("Please name the districts." in m.body and email in m.to for m in mail.outbox)
    page.goto(f"{base}/my/")
    assert "Please name the districts." in page.content()
    page.get_by_role("link", name=re.compile(r"^Edit")).first.click()
    page.fill("textarea[name=description]", "Schools in Dedza, Ntcheu and Mzimba districts.")
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_load_state()
    # A pledge of an organisation the Secretariat has not verified cannot be published: verify it first.
    _admin_decide(staff_page, base, pledge, "publish", "Publish")
    assert "not verified" in staff_page.content()
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.SUBMITTED
    _admin_verify_organisation(staff_page, base, pledge.lead_organisation)
    _admin_decide(staff_page, base, pledge, "publish", "Publish")
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PUBLISHED

    # 5. Anyone finds it in the marketplace with a filter and a search, and opens it.
    visitor = page.context.browser.new_page()
    visitor.goto(f"{base}/")
    assert visitor.locator("#headline-figures").is_visible()
    visitor.goto(f"{base}/pledges/?country=MW&group=LDC")
    visitor.fill("input[name=q]", "rural schools")
    visitor.get_by_role("button", name="Apply filters").click()
    visitor.get_by_role("link", name="Connect 1,000 rural schools in Malawi").click()
    assert visitor.get_by_role("heading", level=1).inner_text() == "Connect 1,000 rural schools in Malawi"
    assert "Dedza" in visitor.content()
    visitor.goto(f"{base}/pledges/?q=GovStack")
    assert visitor.get_by_role("link", name=re.compile("GovStack")).count() >= 1

    # 6. The pledger reports progress; the Secretariat publishes it; it shows on the pledge page.
    page.goto(f"{base}{pledge.get_absolute_url()}")
    page.get_by_role("link", name="Report progress").click()
    page.select_option("select[name=implementation_status]", "on_track")
    page.fill("input[name=percent_complete]", "20")
    page.fill("textarea[name=narrative]", "200 schools connected in Dedza.")
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_load_state()
    report = pledge.progress_reports.get()
    staff_page.goto(f"{base}/admin/progress/progressreport/?status__exact=submitted")
    staff_page.check(f"input[name=_selected_action][value='{report.pk}']")
    staff_page.select_option("select[name=action]", "publish")
    staff_page.get_by_role("button", name="Go").click()
    staff_page.locator("input[type=submit][value='Publish']").click()
    staff_page.wait_for_load_state()
    visitor.goto(f"{base}{pledge.get_absolute_url()}")
    assert "200 schools connected in Dedza." in visitor.content()
    assert "On track" in visitor.content()

    # 7. Staff start the annual report in the admin and download the PDF.
    staff_page.goto(f"{base}/admin/reports/annualreport/start/")
    staff_page.fill("input[name=year]", str(pledge.published_at.year))
    staff_page.get_by_role("button", name=re.compile("Start")).click()
    staff_page.wait_for_load_state()
    staff_page.goto(f"{base}/admin/reports/annualreport/")
    assert "Ready" in staff_page.content()
    with staff_page.expect_download() as download_info:
        staff_page.get_by_role("link", name=re.compile("PDF")).first.click()
    text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(open(download_info.value.path(), "rb").read())).pages
    )
    assert pledge.public_id in text
    assert "Connect 1,000 rural schools in Malawi" in text.replace("\n", " ")
