"""The platform without a mouse: only Tab, Shift+Tab, Enter, Space, arrow keys and typing into the focused field.

A person signs up (and confirms the address through the link in the email), registers an organisation, and
fills and submits a pledge with a deliverable; the pledge ends up submitted. Every element that Tab reaches on
the way shows where the focus is (a computed outline or box-shadow, WCAG 2.4.7), and the first Tab stop of a
page is the skip link, which moves the focus to ``<main>`` (WCAG 2.4.1).

Opening an address (``page.goto``) stands for typing it into the address bar; nothing is clicked, filled or
checked through Playwright's mouse-driven helpers.
"""

import re

import pytest
from django.core import mail
from django.utils import timezone

from organisations.models import Organisation
from pledges.models import Pledge
from secretariat.models import LegalDocument

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "focal.point@ict.example.gov"
PASSWORD = "a-long-and-unusual-passphrase-42"
MAX_TAB_STOPS = 250

FOCUS_STYLE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    return {outline, shadow, tag: el.tagName.toLowerCase(), name: el.name || el.id || el.textContent.trim().slice(0, 40)};
}"""


def _focused(page, selector: str) -> bool:
    return page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector)


def _assert_focus_visible(page):
    style = page.evaluate(FOCUS_STYLE)
    if style is not None:
        assert style["outline"] or style["shadow"], f"no visible focus on {style} at {page.url}"


def _tab_to(page, selector: str, *, backwards: bool = False):
    """Press Tab (or Shift+Tab) until the focused element matches ``selector``; every stop shows its focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TAB_STOPS):
        if _focused(page, selector):
            return
        page.keyboard.press(key)
        _assert_focus_visible(page)
    raise AssertionError(f"{selector} not reached with {key} on {page.url}")


def _type_into(page, selector: str, text: str):
    _tab_to(page, selector)
    page.keyboard.type(text)


def _follow_link(page, name: str):
    """Tab to the link whose text is ``name`` and press Enter."""
    _tab_to(page, _link_selector(page, name))
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _link_selector(page, name: str) -> str:
    """A CSS selector for the first visible link whose text is ``name`` (read from the page, not clicked)."""
    index = page.evaluate(
        """(name) => [...document.querySelectorAll('a[href]')].findIndex(
               a => a.textContent.trim() === name && a.offsetParent !== null)""",
        name,
    )
    assert index >= 0, f"no link {name!r} on {page.url}"
    page.evaluate("(i) => document.querySelectorAll('a[href]')[i].setAttribute('data-kb-target', '')", index)
    return "a[data-kb-target]"


def _press_button(page, name: str):
    """Tab to the submit button labelled ``name`` and press Enter."""
    index = page.evaluate(
        """(name) => [...document.querySelectorAll('button')].findIndex(
               b => b.textContent.trim() === name && b.offsetParent !== null)""",
        name,
    )
    assert index >= 0, f"no button {name!r} on {page.url}"
    page.evaluate("(i) => document.querySelectorAll('button')[i].setAttribute('data-kb-button', '')", index)
    _tab_to(page, "button[data-kb-button]")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _choose(page, selector: str, label: str):
    """Tab to a <select> and move through its options with the arrow keys until ``label`` is selected."""
    _tab_to(page, selector)
    page.keyboard.press("Home")
    for _ in range(400):
        chosen = page.evaluate(
            "(s) => { const o = document.querySelector(s).selectedOptions[0]; return o ? o.text.trim() : ''; }",
            selector,
        )
        if chosen == label:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{label!r} not reached in {selector}")


def _tick(page, label: str):
    """Tab to the checkbox labelled ``label`` and press Space."""
    box = page.get_by_label(label, exact=True)
    element_id = box.get_attribute("id")
    _tab_to(page, f"[id='{element_id}']")
    page.keyboard.press("Space")
    assert box.is_checked(), label


def _type_date(page, selector: str, iso: str):
    """Type a date into a date field segment by segment, as a person does. The segments' order follows the
    browser's own language (day-month-year or month-day-year): if the first order gives another date, go back
    to the first segment with Shift+Tab and type it in the other order."""
    _tab_to(page, selector)
    year, month, day = iso.split("-")
    if page.evaluate("(s) => document.querySelector(s).type", selector) != "date":
        page.keyboard.type(iso)
    else:
        for order in (f"{day}{month}{year}", f"{month}{day}{year}"):
            page.keyboard.type(order)
            if page.evaluate("(s) => document.querySelector(s).value", selector) == iso:
                break
            page.keyboard.press("Shift+Tab")
            page.keyboard.press("Shift+Tab")
    assert page.evaluate("(s) => document.querySelector(s).value", selector) == iso


def _confirmation_link(email):
    for message in reversed(mail.outbox):
        if email in message.to:
            found = re.search(r"https?://\S+/accounts/confirm-email/\S+", message.body)
            if found:
                return found.group(0)
    raise AssertionError(f"no confirmation email to {email}")


@pytest.fixture
def keyboard_page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(live_server, keyboard_page):
    page = keyboard_page
    for path in ("/", "/pledges/", "/ar/pledges/"):
        page.goto(f"{live_server.url}{path}")
        page.keyboard.press("Tab")
        assert _focused(page, "a.skip-link[href='#main-content']"), path
        _assert_focus_visible(page)
        box = page.evaluate("() => document.activeElement.getBoundingClientRect().toJSON()")
        assert box["width"] > 0 and box["height"] > 0 and box["top"] >= 0, f"skip link off screen: {box}"
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.tagName") == "MAIN", path
        assert page.evaluate("() => document.activeElement.id") == "main-content"
        # The next Tab continues inside the main content, not back in the header.
        page.keyboard.press("Tab")
        assert page.evaluate("() => !!document.activeElement.closest('main')"), path


def test_sign_up_register_an_organisation_and_submit_a_pledge_with_the_keyboard(
    live_server, keyboard_page, settings
):
    settings.SITE_URL = live_server.url
    LegalDocument.objects.create(
        kind="terms", version=1, title="Terms of use", body="Be kind.", published_at=timezone.now()
    )
    page = keyboard_page
    base = live_server.url

    # Sign up from the home page's navigation.
    page.goto(f"{base}/")
    _follow_link(page, "Sign up")
    _type_into(page, "input[name=email]", EMAIL)
    _type_into(page, "input[name=password1]", PASSWORD)
    _type_into(page, "input[name=password2]", PASSWORD)
    for box in page.locator("form input[type=checkbox][required]").all():
        _tab_to(page, f"[id='{box.get_attribute('id')}']")
        page.keyboard.press("Space")
        assert box.is_checked()
    _press_button(page, "Sign Up")
    assert "/accounts/confirm-email/" in page.url

    # Confirm the address with the link in the email.
    page.goto(_confirmation_link(EMAIL).replace("http://testserver", base))
    _press_button(page, "Confirm")
    if "/accounts/login/" in page.url:
        _type_into(page, "input[name=login]", EMAIL)
        _type_into(page, "input[name=password]", PASSWORD)
        _press_button(page, "Sign In")
    assert page.get_by_role("heading", level=1).inner_text() == "My workspace"

    # Register an organisation.
    _follow_link(page, "Register an organisation")
    _type_into(page, "input[name=name]", "Ministry of ICT, Malawi")
    _choose(page, "select[name=stakeholder_type]", "Government")
    _choose(page, "select[name=country]", "Malawi")
    _type_into(page, "input[name=website]", "https://www.example.gov.mw")
    _type_into(page, "textarea[name=description]", "The ministry responsible for ICT policy.")
    _tick(page, page.locator("label[for=id_consent_publish]").inner_text().strip())
    _press_button(page, "Register organisation")
    assert "is registered" in page.content()
    organisation = Organisation.objects.get(name="Ministry of ICT, Malawi")

    # Fill and submit a pledge with a deliverable.
    _follow_link(page, "Register a pledge")
    _type_into(page, "input[name=title]", "Connect 1,000 rural schools in Malawi")
    _type_into(page, "textarea[name=summary]", "Broadband for rural schools, with teacher training.")
    _type_into(page, "textarea[name=description]", "Fibre and satellite links for 1,000 schools.")
    _tick(page, "Access")
    _tick(page, "Programmatic")
    _choose(page, "select[name=beneficiary_countries]", "Malawi")
    _type_date(page, "input[name=start_date]", "2025-01-01")
    _type_date(page, "input[name=end_date]", "2027-12-31")
    _type_into(page, "input[name=deliverables-0-title]", "1,000 schools with a working broadband link")
    _type_date(page, "input[name=deliverables-0-due_date]", "2027-06-30")
    _type_into(page, "input[name=deliverables-0-target_value]", "1000")
    _type_into(page, "input[name=deliverables-0-unit]", "schools")
    _press_button(page, "Submit for review")
    assert "submitted for review" in page.content()

    pledge = Pledge.objects.get(title="Connect 1,000 rural schools in Malawi")
    assert pledge.status == Pledge.Status.SUBMITTED
    assert pledge.lead_organisation == organisation
    assert list(pledge.beneficiary_countries.values_list("iso2", flat=True)) == ["MW"]
    deliverable = pledge.deliverables.get()
    assert (deliverable.title, str(deliverable.due_date)) == (
        "1,000 schools with a working broadband link",
        "2027-06-30",
    )
